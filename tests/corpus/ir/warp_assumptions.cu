// warp_assumptions: code that is only right with 32-lane warps: lane/warp ids from 31 and 5,
// full masks, a 32-bit ballot and its popcount, per-warp shared slots, a width-32 shuffle.
__global__ void compact_count(const int* flags, int* counts, int* out) {
    __shared__ int warp_counts[32];
    int tid = threadIdx.x;
    int lane = tid & 31;
    int warp = tid >> 5;
    int f = flags[blockIdx.x * blockDim.x + tid];
    unsigned mask = __ballot_sync(0xffffffff, f != 0);
    int before = __popc(mask & ((1u << lane) - 1));
    if (lane == 0) warp_counts[warp] = __popc(mask);
    __syncthreads();
    if (tid < 32) {
        int c = tid < blockDim.x / 32 ? warp_counts[tid] : 0;
        c = __shfl_down_sync(0xffffffff, c, 16, 32);
        if (tid == 0) counts[blockIdx.x] = c;
    }
    out[blockIdx.x * blockDim.x + tid] = before;
}
