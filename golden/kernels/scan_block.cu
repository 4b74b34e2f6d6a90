// scan_block: inclusive prefix sum of each blockDim.x-long segment of an int array (Hillis-Steele,
// double-buffered in dynamic shared memory of 2 * blockDim.x ints; block size read at run time).
// Integer sums are exact, so every port must match bit for bit.
__global__ void scan_block(const int* __restrict__ in, int* __restrict__ out, int n) {
    extern __shared__ int buffers[];
    int tid = threadIdx.x;
    int i = blockIdx.x * blockDim.x + tid;
    int* src = buffers;
    int* dst = buffers + blockDim.x;
    src[tid] = i < n ? in[i] : 0;
    __syncthreads();
    for (unsigned offset = 1; offset < blockDim.x; offset <<= 1) {
        dst[tid] = tid >= offset ? src[tid] + src[tid - offset] : src[tid];
        __syncthreads();
        int* swap = src;
        src = dst;
        dst = swap;
    }
    if (i < n) {
        out[i] = src[tid];
    }
}
