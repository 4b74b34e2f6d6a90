// row_stats: per-row mean and max with one block per row, using blockDim.x at run time only
// (no compile-time block size): dynamic shared memory of 2 * blockDim.x floats, a strided loop
// over the row, and a tree reduction that also works when blockDim.x is not a power of two.
__global__ void row_stats(const float* __restrict__ x, float* __restrict__ mean, float* __restrict__ maximum,
                          int cols) {
    extern __shared__ float scratch[];
    float* sums = scratch;
    float* maxes = scratch + blockDim.x;
    int row = blockIdx.x;
    int tid = threadIdx.x;
    float sum = 0.0f;
    float best = -INFINITY;
    for (int c = tid; c < cols; c += blockDim.x) {
        float v = x[(size_t)row * cols + c];
        sum += v;
        best = fmaxf(best, v);
    }
    sums[tid] = sum;
    maxes[tid] = best;
    __syncthreads();
    // Fold the upper part onto the lower part; `active` need not be a power of two.
    for (unsigned active = blockDim.x; active > 1;) {
        unsigned half = (active + 1) / 2;
        if (tid < active - half) {
            sums[tid] += sums[tid + half];
            maxes[tid] = fmaxf(maxes[tid], maxes[tid + half]);
        }
        __syncthreads();
        active = half;
    }
    if (tid == 0) {
        mean[row] = sums[0] / (float)cols;
        maximum[row] = maxes[0];
    }
}
