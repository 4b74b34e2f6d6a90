#include <cuda_fp16.h>

// online_softmax: one warp per row of half-precision logits, float outputs. Each lane keeps a
// running (max, sum of exp) over its columns in one pass; lanes merge their pairs with
// __shfl_xor_sync, rescaling sums to the common max; a second pass writes the probabilities.
__device__ void merge(float& m, float& s, float other_m, float other_s) {
    float new_m = fmaxf(m, other_m);
    if (new_m == -INFINITY) {
        return;  // both empty
    }
    s = s * expf(m - new_m) + other_s * expf(other_m - new_m);
    m = new_m;
}

__global__ void online_softmax(const __half* __restrict__ x, float* __restrict__ y, int rows, int cols) {
    int row = blockIdx.x * blockDim.y + threadIdx.y;
    int lane = threadIdx.x;
    if (row >= rows) {
        return;
    }
    const __half* in = x + (size_t)row * cols;
    float m = -INFINITY;
    float s = 0.0f;
    for (int c = lane; c < cols; c += 32) {
        merge(m, s, __half2float(in[c]), 1.0f);
    }
    for (int mask = 16; mask > 0; mask >>= 1) {
        float other_m = __shfl_xor_sync(0xffffffffu, m, mask);
        float other_s = __shfl_xor_sync(0xffffffffu, s, mask);
        merge(m, s, other_m, other_s);
    }
    float inv = 1.0f / s;
    for (int c = lane; c < cols; c += 32) {
        y[(size_t)row * cols + c] = expf(__half2float(in[c]) - m) * inv;
    }
}
