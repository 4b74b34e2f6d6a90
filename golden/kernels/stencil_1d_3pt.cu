// stencil_1d_3pt: y[i] = 0.25 x[i-1] + 0.5 x[i] + 0.25 x[i+1] straight from global memory; the
// ends repeat the edge value (clamped indices).
__global__ void stencil_3pt(const float* __restrict__ x, float* __restrict__ y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) {
        return;
    }
    float left = x[max(i - 1, 0)];
    float right = x[min(i + 1, n - 1)];
    y[i] = 0.25f * left + 0.5f * x[i] + 0.25f * right;
}
