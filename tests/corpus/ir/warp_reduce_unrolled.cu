// warp_reduce_unrolled: the same reduction unrolled with xor shuffles, using warpSize-free
// lane arithmetic for the final write.
__global__ void warp_max(const float* in, float* out) {
    float v = in[blockIdx.x * blockDim.x + threadIdx.x];
    v = fmaxf(v, __shfl_xor_sync(0xffffffff, v, 16));
    v = fmaxf(v, __shfl_xor_sync(0xffffffff, v, 8));
    v = fmaxf(v, __shfl_xor_sync(0xffffffff, v, 4));
    v = fmaxf(v, __shfl_xor_sync(0xffffffff, v, 2));
    v = fmaxf(v, __shfl_xor_sync(0xffffffff, v, 1));
    if (threadIdx.x % warpSize == 0) out[(blockIdx.x * blockDim.x + threadIdx.x) / warpSize] = v;
}
