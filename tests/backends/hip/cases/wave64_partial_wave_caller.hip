// porter-options: hip_version=6.3 offload_arch=gfx90a
// Blocks of 96 threads (a whole and a half 64-lane wavefront), seen through a device function.
#include <hip/hip_runtime.h>
__device__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(__activemask(), v, o, 32);
    return v;
}

__global__ void partial_sums(const float* x, float* out) {
    float v = warp_sum(x[blockIdx.x * blockDim.x + threadIdx.x]);
    if (threadIdx.x % 32 == 0) out[(blockIdx.x * blockDim.x + threadIdx.x) / 32] = v;
}

void run(const float* x, float* out, int blocks) {
    const int threads = 96;
    dim3 block(threads);
    partial_sums<<<blocks, block>>>(x, out);
}
