// porter-options: hip_version=6.3 offload_arch=gfx90a
// __launch_bounds__(32): no block of this kernel fills a 64-lane wavefront.
#include <hip/hip_runtime.h>
__device__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_down_sync(__activemask(), v, o, 32));
    return v;
}

__global__ void __launch_bounds__(32) block_max(const float* x, float* out) {
    float v = warp_max(x[blockIdx.x * 32 + threadIdx.x]);
    if (threadIdx.x == 0) out[blockIdx.x] = v;
}
