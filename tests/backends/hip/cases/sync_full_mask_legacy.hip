// porter-options: hip_version=5.2 offload_arch=gfx90a
// Full masks in every spelling become HIP 5.2's mask-less built-ins.
#include <hip/hip_runtime.h>
// porter: __syncwarp() for HIP before 6.2 -- a wavefront executes in lock step, so a
// wavefront-scope fence on each side of a wave barrier gives __syncwarp's memory ordering.
static __device__ inline void __porter_syncwarp() {
  __builtin_amdgcn_fence(__ATOMIC_RELEASE, "wavefront");
  __builtin_amdgcn_wave_barrier();
  __builtin_amdgcn_fence(__ATOMIC_ACQUIRE, "wavefront");
}
#define FULL 0xffffffffffffffffULL
__device__ float f(float v, int src) {
  const unsigned long long all = 0xffffffffffffffffULL;
  v += __shfl(v, src);
  v += __shfl_up(v, 1, 16);
  v += __shfl_xor(v, 1);
  v += __shfl_down(v, 2);
  v += __shfl(v, 0);
  __porter_syncwarp();
  __porter_syncwarp();
  return __any(v > 0) + __all(v > 1) + v;
}
