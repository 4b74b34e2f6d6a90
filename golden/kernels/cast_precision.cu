#include <cuda_bf16.h>
#include <cuda_fp16.h>

// cast_precision: float -> half and bfloat16 (round to nearest even), the round trip back to
// float, and float -> int rounding to nearest. Edge inputs (infinities, denormals, values too
// large for half) show how each conversion saturates or flushes.
__global__ void cast_precision(const float* __restrict__ x, const float* __restrict__ y, __half* as_half,
                               __nv_bfloat16* as_bf16, float* round_trip, int* as_int, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) {
        return;
    }
    __half h = __float2half_rn(x[i]);
    __nv_bfloat16 b = __float2bfloat16_rn(x[i]);
    as_half[i] = h;
    as_bf16[i] = b;
    round_trip[i] = __half2float(h) - __bfloat162float(b);
    as_int[i] = __float2int_rn(y[i] * 1000.0f);
}
