// layernorm: y = (x - mean) * rstd * gamma + beta per row, one block of BLOCK threads per row.
// Mean, then variance of (x - mean) (two passes, more accurate than E[x^2] - mean^2); also
// writes mean and rstd per row, as training frameworks keep them for the backward pass.
#define BLOCK 128

__device__ float block_sum(float value) {
    __shared__ float scratch[BLOCK];
    int tid = threadIdx.x;
    scratch[tid] = value;
    __syncthreads();
    for (int stride = BLOCK / 2; stride > 0; stride /= 2) {
        if (tid < stride) {
            scratch[tid] += scratch[tid + stride];
        }
        __syncthreads();
    }
    float total = scratch[0];
    __syncthreads();
    return total;
}

__global__ void layernorm(const float* __restrict__ x, const float* __restrict__ gamma,
                          const float* __restrict__ beta, float* __restrict__ y, float* __restrict__ mean_out,
                          float* __restrict__ rstd_out, int cols, float eps) {
    int row = blockIdx.x;
    const float* in = x + (size_t)row * cols;
    float sum = 0.0f;
    for (int c = threadIdx.x; c < cols; c += BLOCK) {
        sum += in[c];
    }
    float mean = block_sum(sum) / cols;
    float squares = 0.0f;
    for (int c = threadIdx.x; c < cols; c += BLOCK) {
        float d = in[c] - mean;
        squares += d * d;
    }
    float rstd = rsqrtf(block_sum(squares) / cols + eps);
    for (int c = threadIdx.x; c < cols; c += BLOCK) {
        y[(size_t)row * cols + c] = (in[c] - mean) * rstd * gamma[c] + beta[c];
    }
    if (threadIdx.x == 0) {
        mean_out[row] = mean;
        rstd_out[row] = rstd;
    }
}
