// porter-options: hip_version=5.2 offload_arch=gfx90a
// Full masks in every spelling become HIP 5.2's mask-less built-ins.
#define FULL 0xffffffff
__device__ float f(float v, int src) {
  const unsigned all = 0xFFFFFFFFu;
  v += __shfl_sync(0xffffffff, v, src);
  v += __shfl_up_sync(FULL, v, 1, 16);
  v += __shfl_xor_sync(all, v, 1);
  v += __shfl_down_sync(~0u, v, 2);
  v += __shfl_sync(__activemask(), v, 0);
  __syncwarp();
  __syncwarp(0xffffffff);
  return __any_sync(-1, v > 0) + __all_sync(FULL, v > 1) + v;
}
