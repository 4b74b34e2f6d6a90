// stream_compact: keep the elements of x greater than a threshold, in order (a filter), in
// three kernels: count the kept elements of each block (__syncthreads_count), turn the counts
// into offsets (one thread, in order), then each block scans its flags in shared memory and
// writes its kept elements at its offset. Deterministic, unlike an atomic-counter filter.
__global__ void count_kept(const float* __restrict__ x, int* __restrict__ block_counts, int n, float threshold) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int keep = i < n && x[i] > threshold;
    int count = __syncthreads_count(keep);
    if (threadIdx.x == 0) {
        block_counts[blockIdx.x] = count;
    }
}

__global__ void exclusive_offsets(const int* __restrict__ block_counts, int* __restrict__ block_offsets,
                                  int* __restrict__ total, int blocks) {
    if (blockIdx.x == 0 && threadIdx.x == 0) {
        int running = 0;
        for (int b = 0; b < blocks; ++b) {
            block_offsets[b] = running;
            running += block_counts[b];
        }
        total[0] = running;
    }
}

__global__ void scatter_kept(const float* __restrict__ x, const int* __restrict__ block_offsets,
                             float* __restrict__ out, int n, float threshold) {
    extern __shared__ int positions[];
    int tid = threadIdx.x;
    int i = blockIdx.x * blockDim.x + tid;
    int keep = i < n && x[i] > threshold;
    positions[tid] = keep;
    __syncthreads();
    for (unsigned offset = 1; offset < blockDim.x; offset <<= 1) {  // inclusive scan of flags
        int add = tid >= offset ? positions[tid - offset] : 0;
        __syncthreads();
        positions[tid] += add;
        __syncthreads();
    }
    if (keep) {
        out[block_offsets[blockIdx.x] + positions[tid] - 1] = x[i];
    }
}
