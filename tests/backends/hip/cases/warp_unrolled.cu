// porter-options: hip_version=5.2 offload_arch=gfx90a
// An unrolled 32-lane reduction cannot be rewritten safely: it is reported.
#define WARP_SIZE 32
__device__ float reduce(float v) {
  v += __shfl_xor_sync(0xffffffff, v, 16);
  v += __shfl_xor_sync(0xffffffff, v, 8);
  v += __shfl_xor_sync(0xffffffff, v, 4);
  v += __shfl_xor_sync(0xffffffff, v, 2);
  v += __shfl_xor_sync(0xffffffff, v, 1);
  return __shfl_sync(0xffffffff, v, 31);
}
__global__ void k(float* out) {
  __shared__ float per_lane[32];
  int lane = threadIdx.x & 31;
  per_lane[lane] = reduce(out[threadIdx.x]);
  out[threadIdx.x] = per_lane[(lane + 1) % WARP_SIZE];
}
