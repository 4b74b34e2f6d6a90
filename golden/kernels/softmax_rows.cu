// softmax_rows: one block per row, any power-of-two block size (read at run time). Three steps
// with shared-memory reductions: the row's max, the sum of exp(x - max), then the outputs.
__device__ float block_reduce(float* scratch, float value, bool take_max) {
    int tid = threadIdx.x;
    scratch[tid] = value;
    __syncthreads();
    for (unsigned stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (tid < stride) {
            float other = scratch[tid + stride];
            scratch[tid] = take_max ? fmaxf(scratch[tid], other) : scratch[tid] + other;
        }
        __syncthreads();
    }
    float result = scratch[0];
    __syncthreads();  // scratch is reused by the next reduction
    return result;
}

__global__ void softmax_rows(const float* __restrict__ x, float* __restrict__ y, int cols) {
    extern __shared__ float scratch[];
    const float* in = x + (size_t)blockIdx.x * cols;
    float* out = y + (size_t)blockIdx.x * cols;
    float local_max = -INFINITY;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        local_max = fmaxf(local_max, in[c]);
    }
    float row_max = block_reduce(scratch, local_max, true);
    float local_sum = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        local_sum += expf(in[c] - row_max);
    }
    float inv_sum = 1.0f / block_reduce(scratch, local_sum, false);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        out[c] = expf(in[c] - row_max) * inv_sum;
    }
}
