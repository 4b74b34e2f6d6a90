// porter-options: hip_version=6.3 offload_arch=gfx90a
// 32-thread blocks with a ballot: a 64-bit ballot is not a 32-lane one, so no 32-lane form is kept.
__global__ void count_positive(const float* x, int* out) {
    unsigned votes = __ballot_sync(0xffffffff, x[blockIdx.x * 32 + threadIdx.x] > 0.0f);
    if (threadIdx.x == 0) out[blockIdx.x] = __popc(votes);
}

void run(const float* x, int* out, int blocks) {
    count_positive<<<blocks, 32>>>(x, out);
}
