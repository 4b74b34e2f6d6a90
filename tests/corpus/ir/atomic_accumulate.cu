// atomic_accumulate: every thread adds into one global counter and one device variable.
__device__ int g_count;

__global__ void count_positive(const float* x, float* sum, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n && x[i] > 0.0f) {
        atomicAdd(sum, x[i]);
        atomicAdd(&g_count, 1);
    }
}
