// reduce_atomic: each block reduces its slice in shared memory (blockDim.x, a power of two,
// read at run time; dynamic shared memory), then thread 0 adds the block's sum to the result
// with atomicAdd. The order of the atomic adds varies from run to run, so the float total
// varies in its last bits.
__global__ void reduce_atomic(const float* __restrict__ in, float* __restrict__ result, int n) {
    extern __shared__ float partial[];
    int tid = threadIdx.x;
    int i = blockIdx.x * blockDim.x + tid;
    partial[tid] = i < n ? in[i] : 0.0f;
    __syncthreads();
    for (unsigned stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (tid < stride) {
            partial[tid] += partial[tid + stride];
        }
        __syncthreads();
    }
    if (tid == 0) {
        atomicAdd(result, partial[0]);
    }
}
