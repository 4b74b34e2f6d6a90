// relu and leaky_relu, one thread per element. Signed zeros and infinities in the input show
// how each port treats them (x > 0 ? x : 0 turns -0 into +0).
__global__ void relu(const float* __restrict__ x, float* __restrict__ y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = x[i];
        y[i] = v > 0.0f ? v : 0.0f;
    }
}

__global__ void leaky_relu(const float* __restrict__ x, float* __restrict__ y, float slope, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = x[i];
        y[i] = v >= 0.0f ? v : slope * v;
    }
}
