// cross_entropy: per-row loss = logsumexp(logits[row]) - logits[row][label], one block of
// 256 threads per row; a negative label marks a row to ignore (loss 0), as ignore_index does.
#define THREADS 256

__device__ float reduce_block(float value, bool take_max) {
    __shared__ float scratch[THREADS];
    scratch[threadIdx.x] = value;
    __syncthreads();
    for (int stride = THREADS / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) {
            float other = scratch[threadIdx.x + stride];
            scratch[threadIdx.x] = take_max ? fmaxf(scratch[threadIdx.x], other) : scratch[threadIdx.x] + other;
        }
        __syncthreads();
    }
    float result = scratch[0];
    __syncthreads();
    return result;
}

__global__ void cross_entropy(const float* __restrict__ logits, const int* __restrict__ labels,
                              float* __restrict__ loss, int classes) {
    int row = blockIdx.x;
    const float* z = logits + (size_t)row * classes;
    float m = -INFINITY;
    for (int c = threadIdx.x; c < classes; c += THREADS) {
        m = fmaxf(m, z[c]);
    }
    m = reduce_block(m, true);
    float s = 0.0f;
    for (int c = threadIdx.x; c < classes; c += THREADS) {
        s += expf(z[c] - m);
    }
    s = reduce_block(s, false);
    if (threadIdx.x == 0) {
        int label = labels[row];
        loss[row] = label < 0 ? 0.0f : logf(s) + m - z[label];
    }
}
