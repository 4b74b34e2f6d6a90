// porter-options: hip_version=6.3 offload_arch=gfx942
// HIP 6.3 keeps the *_sync forms with 64-bit masks.
#include <hip/hip_runtime.h>
__device__ unsigned long long h(float v, unsigned mask) {
  v += __shfl_down_sync(__activemask(), v, 1);
  v += __shfl_sync(0x0000ffffULL, v, 0);
  v += __shfl_xor_sync(static_cast<unsigned long long>(mask), v, 1);
  return __ballot_sync(__activemask(), v > 0);
}
