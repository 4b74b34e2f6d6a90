// porter-options: hip_version=6.2 offload_arch=gfx1100
// HIP 6.2 has the *_sync forms only with HIP_ENABLE_WARP_SYNC_BUILTINS defined first.
#include <cuda_runtime.h>
__global__ void k(float* x) {
  x[threadIdx.x] = __shfl_down_sync(0xffffffff, x[threadIdx.x], 1);
}
