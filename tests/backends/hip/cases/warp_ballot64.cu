// porter-options: hip_version=5.2 offload_arch=gfx90a
// On 64-lane wavefronts ballots and lane bits need 64 bits.
__global__ void k(const int* flags, int* out) {
  int lane = threadIdx.x % 32;
  unsigned vote = __ballot_sync(0xffffffff, flags[threadIdx.x] != 0);
  unsigned mine = 1u << lane;
  int before = __popc(vote & (mine - 1));
  int first = __ffs(vote);
  if (vote == 0xffffffff) out[0] = 1;
  out[threadIdx.x] = before + first;
}
