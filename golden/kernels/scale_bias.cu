// scale_bias: y[r][c] = x[r][c] * scale[c] + bias[c] on a row-major matrix, 2-D grid.
__global__ void scale_bias(const float* __restrict__ x, const float* __restrict__ scale,
                           const float* __restrict__ bias, float* __restrict__ y, int rows, int cols) {
    int col = blockIdx.x * blockDim.x + threadIdx.x;
    int row = blockIdx.y * blockDim.y + threadIdx.y;
    if (row < rows && col < cols) {
        int i = row * cols + col;
        y[i] = x[i] * scale[col] + bias[col];
    }
}
