// tree_reduce_interleaved: interleaved addressing with a doubling stride, and a max reduction.
__global__ void tree_max_interleaved(const float* in, float* out) {
    extern __shared__ float sdata[];
    unsigned tid = threadIdx.x;
    sdata[tid] = in[blockIdx.x * blockDim.x + tid];
    __syncthreads();
    for (unsigned s = 1; s < blockDim.x; s *= 2) {
        unsigned index = 2 * s * tid;
        if (index < blockDim.x) {
            sdata[index] = fmaxf(sdata[index], sdata[index + s]);
        }
        __syncthreads();
    }
    if (tid == 0) out[blockIdx.x] = sdata[0];
}
