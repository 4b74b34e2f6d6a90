// dot_product: x . y accumulated in double. Pass 1: per-block partial sums (shared-memory tree,
// blockDim.x a power of two). Pass 2: one thread adds the partials in order, so the result is
// deterministic; it is written as double and rounded to float.
__global__ void dot_partials(const float* __restrict__ x, const float* __restrict__ y, double* __restrict__ partials,
                             int n) {
    extern __shared__ double cache[];
    int tid = threadIdx.x;
    double sum = 0.0;
    for (int i = blockIdx.x * blockDim.x + tid; i < n; i += blockDim.x * gridDim.x) {
        sum += (double)x[i] * (double)y[i];
    }
    cache[tid] = sum;
    __syncthreads();
    for (unsigned stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (tid < stride) {
            cache[tid] += cache[tid + stride];
        }
        __syncthreads();
    }
    if (tid == 0) {
        partials[blockIdx.x] = cache[0];
    }
}

__global__ void dot_finish(const double* __restrict__ partials, int count, double* __restrict__ result,
                           float* __restrict__ result_f) {
    if (blockIdx.x == 0 && threadIdx.x == 0) {
        double sum = 0.0;
        for (int i = 0; i < count; ++i) {
            sum += partials[i];
        }
        result[0] = sum;
        result_f[0] = (float)sum;
    }
}
