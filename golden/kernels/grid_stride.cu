// grid_stride: a grid-stride loop, launched with fewer threads than elements so that each
// thread handles several, y = x*x - 0.5*x.
__global__ void grid_stride(const float* __restrict__ x, float* __restrict__ y, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        float v = x[i];
        y[i] = v * v - 0.5f * v;
    }
}
