// porter-options: hip_version=5.2 offload_arch=gfx90a
// On 64-lane wavefronts ballots and lane bits need 64 bits.
#include <hip/hip_runtime.h>
__global__ void k(const int* flags, int* out) {
  int lane = threadIdx.x % warpSize;
  unsigned long long vote = __ballot(flags[threadIdx.x] != 0);
  unsigned long long mine = 1ull << lane;
  int before = __popcll(vote & (mine - 1));
  int first = __ffsll(vote);
  if (vote == 0xffffffff) out[0] = 1;
  out[threadIdx.x] = before + first;
}
