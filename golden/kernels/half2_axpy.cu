#include <cuda_fp16.h>

// half2_axpy: y = a*x + y in half precision, two elements per thread through __half2, with the
// odd last element done on its own. The scalar a is passed as a __half.
__global__ void half2_axpy(int n, __half a, const __half* __restrict__ x, __half* __restrict__ y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int pairs = n / 2;
    if (i < pairs) {
        __half2 a2 = __half2half2(a);
        __half2 xv = reinterpret_cast<const __half2*>(x)[i];
        __half2 yv = reinterpret_cast<__half2*>(y)[i];
        reinterpret_cast<__half2*>(y)[i] = __hfma2(a2, xv, yv);
    } else if (i == pairs && (n & 1)) {
        y[n - 1] = __hfma(a, x[n - 1], y[n - 1]);
    }
}
