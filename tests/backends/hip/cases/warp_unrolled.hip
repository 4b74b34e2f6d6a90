// porter-options: hip_version=5.2 offload_arch=gfx90a
// An unrolled 32-lane reduction cannot be rewritten safely: it is reported.
#include <hip/hip_runtime.h>
#define WARP_SIZE 64
__device__ float reduce(float v) {
  v += __shfl_xor(v, 16);
  v += __shfl_xor(v, 8);
  v += __shfl_xor(v, 4);
  v += __shfl_xor(v, 2);
  v += __shfl_xor(v, 1);
  return __shfl(v, 31);
}
__global__ void k(float* out) {
  __shared__ float per_lane[64];
  int lane = threadIdx.x & (warpSize - 1);
  per_lane[lane] = reduce(out[threadIdx.x]);
  out[threadIdx.x] = per_lane[(lane + 1) % WARP_SIZE];
}
