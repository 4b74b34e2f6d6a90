// row_softmax: one block per row: a block-stride loop, a max then a sum reduction in shared
// memory, then the outputs.
__global__ void row_softmax(const float* x, float* y, int cols) {
    __shared__ float red[256];
    const float* row = x + blockIdx.x * cols;
    float* dst = y + blockIdx.x * cols;
    int t = threadIdx.x;
    float m = -INFINITY;
    for (int c = t; c < cols; c += blockDim.x) m = fmaxf(m, row[c]);
    red[t] = m;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) red[t] = fmaxf(red[t], red[t + s]);
        __syncthreads();
    }
    float row_max = red[0];
    __syncthreads();
    float sum = 0.0f;
    for (int c = t; c < cols; c += blockDim.x) sum += expf(row[c] - row_max);
    red[t] = sum;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) red[t] += red[t + s];
        __syncthreads();
    }
    float inv = 1.0f / red[0];
    for (int c = t; c < cols; c += blockDim.x) dst[c] = expf(row[c] - row_max) * inv;
}
