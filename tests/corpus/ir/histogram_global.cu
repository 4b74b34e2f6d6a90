// histogram_global: atomics straight into global bins.
__global__ void histogram_global(const int* keys, int* bins, int n, int nbins) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        int k = keys[i] % nbins;
        atomicAdd(&bins[k], 1);
    }
}
