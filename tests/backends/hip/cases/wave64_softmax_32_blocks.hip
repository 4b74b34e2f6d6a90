// porter-options: hip_version=6.3 offload_arch=gfx90a
// One 32-thread block per row: on 64 lanes a loop from warpSize / 2 reads lanes that do not exist.
#include <hip/hip_runtime.h>
#define THREADS 32

__global__ void softmax_rows(const float* x, float* y, int cols) {
    const float* in = x + blockIdx.x * cols;
    float m = -INFINITY;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, in[c]);
    for (int o = 32 / 2; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(__activemask(), m, o, 32));
    float s = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += expf(in[c] - m);
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(__activemask(), s, o, 32);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) y[blockIdx.x * cols + c] = expf(in[c] - m) / s;
}

void run(const float* x, float* y, int rows, int cols) {
    softmax_rows<<<rows, THREADS>>>(x, y, cols);
}
