// porter-options: hip_version=5.2 offload_arch=gfx90a
// Masks that are not provably full cannot become mask-less calls on HIP 5.2: reported, left alone.
#include <hip/hip_runtime.h>
__device__ float g(float v, unsigned mask) {
  v += __shfl_sync(0x0000ffff, v, 0);
  v += __shfl_down_sync(mask, v, 1);
  unsigned long long groups = __match_any_sync(0xffffffff, (int)v);
  return v + __reduce_add_sync(0xffffffff, groups);
}
