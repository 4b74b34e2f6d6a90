#include <cuda_bf16.h>

// rmsnorm: y = x / sqrt(mean(x^2) + eps) * weight, in bfloat16 with float math, one warp per
// row (LLaMA-style). Lanes stride over the row and combine with __shfl_xor_sync.
__global__ void rmsnorm(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ weight,
                        __nv_bfloat16* __restrict__ y, int rows, int cols, float eps) {
    int row = blockIdx.x * blockDim.y + threadIdx.y;
    if (row >= rows) {
        return;
    }
    const __nv_bfloat16* in = x + (size_t)row * cols;
    float squares = 0.0f;
    for (int c = threadIdx.x; c < cols; c += 32) {
        float v = __bfloat162float(in[c]);
        squares += v * v;
    }
    for (int mask = 16; mask > 0; mask >>= 1) {
        squares += __shfl_xor_sync(0xffffffffu, squares, mask);
    }
    float scale = rsqrtf(squares / cols + eps);
    for (int c = threadIdx.x; c < cols; c += 32) {
        float v = __bfloat162float(in[c]) * scale * __bfloat162float(weight[c]);
        y[(size_t)row * cols + c] = __float2bfloat16_rn(v);
    }
}
