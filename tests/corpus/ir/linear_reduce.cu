// linear_reduce: reductions that are not trees (negative cases): one thread sums the shared
// array serially; a loop that steps by one instead of halving.
__global__ void serial_sum(const float* in, float* out) {
    __shared__ float sdata[128];
    int tid = threadIdx.x;
    sdata[tid] = in[blockIdx.x * 128 + tid];
    __syncthreads();
    if (tid == 0) {
        float total = 0.0f;
        for (int k = 0; k < 128; ++k) total += sdata[k];
        out[blockIdx.x] = total;
    }
}

__global__ void shift_by_one(float* data) {
    __shared__ float sdata[128];
    int tid = threadIdx.x;
    sdata[tid] = data[tid];
    __syncthreads();
    for (int s = 127; s > 0; s -= 1) {
        if (tid < s) sdata[tid] = sdata[tid + 1];
        __syncthreads();
    }
    data[tid] = sdata[tid];
}
