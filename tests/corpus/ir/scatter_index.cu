// scatter_index: out[perm[i]] = in[i]: a scatter store.
__global__ void scatter_index(const int* perm, const float* in, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[perm[i]] = in[i];
    }
}
