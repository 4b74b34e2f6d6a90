// gather_index: out[i] = table[idx[i]]: the index comes from memory, so the load is a gather.
__global__ void gather_index(const int* idx, const float* table, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    out[i] = table[idx[i]];
}
