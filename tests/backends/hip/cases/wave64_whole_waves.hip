// porter-options: hip_version=6.3 offload_arch=gfx90a
// Launched with 256 threads per block (whole 64-lane wavefronts): rewritten for warpSize lanes,
// and the warp count rounds up so that a partial last wavefront would count too.
#include <hip/hip_runtime.h>
#define BLOCK 256
__device__ float warp_sum(float v) {
    for (int o = warpSize / 2; o > 0; o >>= 1) v += __shfl_down_sync(__activemask(), v, o);
    return v;
}

__global__ void block_sum(const float* x, float* out) {
    __shared__ float partial[32];
    int lane = threadIdx.x % warpSize, warp = threadIdx.x / warpSize;
    float v = warp_sum(x[blockIdx.x * blockDim.x + threadIdx.x]);
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < (blockDim.x + warpSize - 1) / warpSize ? partial[lane] : 0.0f;
        v = warp_sum(v);
        if (lane == 0) out[blockIdx.x] = v;
    }
}

void run(const float* x, float* out, int blocks) {
    block_sum<<<blocks, BLOCK>>>(x, out);
}
