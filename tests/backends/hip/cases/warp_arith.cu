// porter-options: hip_version=5.2 offload_arch=gfx90a
// Lane and warp arithmetic on thread indices becomes warpSize arithmetic; other 32s stay.
__global__ void k(float* out, int n) {
  __shared__ float tile[32][33];
  int tid = threadIdx.x;
  int lane = tid % 32;
  int lane2 = threadIdx.x & 31;
  int warp = tid >> 5;
  int warps = (blockDim.x + 31) / 32;
  int aligned = n % 32;
  int blocks = (n + 31) / 32;
  if (lane == 31) out[warp] = lane2 + warps + aligned + blocks + tile[lane][0];
}
