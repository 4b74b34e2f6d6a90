// porter-options: hip_version=5.2 offload_arch=gfx90a
// Lane and warp arithmetic on thread indices becomes warpSize arithmetic; other 32s stay.
#include <hip/hip_runtime.h>
__global__ void k(float* out, int n) {
  __shared__ float tile[32][33];
  int tid = threadIdx.x;
  int lane = tid % warpSize;
  int lane2 = threadIdx.x & (warpSize - 1);
  int warp = (tid) / warpSize;
  int warps = (blockDim.x + (warpSize - 1)) / warpSize;
  int aligned = n % 32;
  int blocks = (n + 31) / 32;
  if (lane == (warpSize - 1)) out[warp] = lane2 + warps + aligned + blocks + tile[lane][0];
}
