// histogram: counts of values in `bins` equal-width bins over [lo, hi); values outside go to the
// first or last bin. Each block counts into a private shared-memory histogram (dynamic shared
// memory, bins ints) with shared atomics, then adds it to the global counts with atomicAdd.
__global__ void histogram(const float* __restrict__ x, unsigned int* __restrict__ counts, int n, int bins,
                          float lo, float hi) {
    extern __shared__ unsigned int local[];
    for (int b = threadIdx.x; b < bins; b += blockDim.x) {
        local[b] = 0;
    }
    __syncthreads();
    float scale = bins / (hi - lo);
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        int b = (int)floorf((x[i] - lo) * scale);
        b = min(max(b, 0), bins - 1);
        atomicAdd(&local[b], 1u);
    }
    __syncthreads();
    for (int b = threadIdx.x; b < bins; b += blockDim.x) {
        if (local[b]) {
            atomicAdd(&counts[b], local[b]);
        }
    }
}
