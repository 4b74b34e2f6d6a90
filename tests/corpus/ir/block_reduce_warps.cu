// block_reduce_warps: shuffles within warps, one partial per warp in shared memory, a second
// shuffle round in the first warp.
__device__ float warp_reduce(float v) {
    for (int o = warpSize / 2; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffff, v, o);
    return v;
}

__global__ void block_reduce(const float* in, float* out, int n) {
    __shared__ float partial[32];
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    float v = i < n ? in[i] : 0.0f;
    v = warp_reduce(v);
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < blockDim.x / 32 ? partial[lane] : 0.0f;
        v = warp_reduce(v);
        if (lane == 0) out[blockIdx.x] = v;
    }
}
