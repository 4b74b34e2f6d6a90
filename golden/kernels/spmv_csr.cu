// spmv_csr: y = A x for a sparse matrix in CSR form, one thread per row. Rows have different
// numbers of non-zeros, so each thread's loop runs a different number of times.
__global__ void spmv_csr(const int* __restrict__ row_ptr, const int* __restrict__ col_idx,
                         const float* __restrict__ values, const float* __restrict__ x, float* __restrict__ y, int rows) {
    int row = blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= rows) {
        return;
    }
    float sum = 0.0f;
    for (int j = row_ptr[row]; j < row_ptr[row + 1]; ++j) {
        sum += values[j] * x[col_idx[j]];
    }
    y[row] = sum;
}
