// half_precision: fp16/bf16 conversions and half2 arithmetic through intrinsics.
#include <cuda_fp16.h>
#include <cuda_bf16.h>
__global__ void half_axpy(const __half* x, __half* y, float a, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float xf = __half2float(x[i]);
        float yf = __half2float(y[i]);
        y[i] = __float2half(a * xf + yf);
    }
}

__global__ void bf16_scale(const __nv_bfloat16* x, float* out, float s, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = __bfloat162float(x[i]) * s;
}

__global__ void half2_add(const __half2* a, const __half2* b, __half2* c, int n2) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n2) c[i] = __hadd2(a[i], b[i]);
}
