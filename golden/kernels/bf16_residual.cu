#include <cuda_bf16.h>

// bf16_residual: out = (x + residual) * scale in bfloat16, computed in float, two elements per
// thread through __nv_bfloat162, the odd last element on its own.
__global__ void bf16_residual(const __nv_bfloat16* __restrict__ x, const __nv_bfloat16* __restrict__ residual,
                              __nv_bfloat16* __restrict__ out, float scale, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int pairs = n / 2;
    if (i < pairs) {
        float2 a = __bfloat1622float2(reinterpret_cast<const __nv_bfloat162*>(x)[i]);
        float2 r = __bfloat1622float2(reinterpret_cast<const __nv_bfloat162*>(residual)[i]);
        reinterpret_cast<__nv_bfloat162*>(out)[i] = __floats2bfloat162_rn((a.x + r.x) * scale, (a.y + r.y) * scale);
    } else if (i == pairs && (n & 1)) {
        float a = __bfloat162float(x[n - 1]);
        float r = __bfloat162float(residual[n - 1]);
        out[n - 1] = __float2bfloat16_rn((a + r) * scale);
    }
}
