// gemv_warp: y = alpha * A x + beta * y, one warp per row of A (row-major), lanes stride over
// the columns and combine with __shfl_xor_sync.
__global__ void gemv_warp(const float* __restrict__ a, const float* __restrict__ x, float* __restrict__ y,
                          int rows, int cols, float alpha, float beta) {
    int row = blockIdx.x * blockDim.y + threadIdx.y;
    if (row >= rows) {
        return;
    }
    float sum = 0.0f;
    for (int c = threadIdx.x; c < cols; c += warpSize) {
        sum += a[(size_t)row * cols + c] * x[c];
    }
    for (int mask = warpSize / 2; mask > 0; mask >>= 1) {
        sum += __shfl_xor_sync(0xffffffffu, sum, mask);
    }
    if (threadIdx.x == 0) {
        y[row] = alpha * sum + beta * y[row];
    }
}
