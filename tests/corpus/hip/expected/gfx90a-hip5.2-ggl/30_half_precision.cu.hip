// 30_half_precision.cu
// Exercises: cuda_fp16.h: __half and half2 types, __float2half / __half2float,
// __float2half_rn, __floats2half2_rn, __half2half2, __hadd / __hmul / __hfma /
// __hsub, __hadd2 / __hmul2 / __hfma2, __low2float / __high2float, __hgt,
// __hmax, half2 vector loads via reinterpret_cast<const half2*>, and a host
// conversion loop. Scalar tail handling for odd lengths.
// Warp-size hazards: none.

#include <cstdio>
#include <vector>
#include <hip/hip_runtime.h>
#include <hip/hip_fp16.h>
#ifndef PORTER_HELPER_HMAX
#define PORTER_HELPER_HMAX
#include <hip/hip_fp16.h>
static __device__ inline __half __porter_hmax(__half a, __half b) {
  return __hisnan(a) ? b : (__hisnan(b) ? a : (__hgt(a, b) ? a : b));
}
#endif

// y = a * x + y on half data, two elements per thread through half2.
__global__ void haxpy(int n, __half a, const __half* __restrict__ x, __half* __restrict__ y)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int n2 = n / 2;
    const half2* x2 = reinterpret_cast<const half2*>(x);
    half2* y2 = reinterpret_cast<half2*>(y);
    half2 a2 = __half2half2(a);
    if (i < n2) y2[i] = __hfma2(a2, x2[i], y2[i]);
    if (i == 0 && (n & 1)) y[n - 1] = __hfma(a, x[n - 1], y[n - 1]);
}

// Scaled ReLU and a residual add in half precision.
__global__ void relu_residual(const __half* __restrict__ in, const __half* __restrict__ res,
                              __half* __restrict__ out, float scale, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    __half zero = __float2half(0.0f);
    __half s = __float2half_rn(scale);
    __half v = __hmul(in[i], s);
    v = __hgt(v, zero) ? v : zero;
    out[i] = __hadd(v, __hsub(res[i], zero));
}

// Dot product: half2 products, float accumulation.
__global__ void hdot(const half2* __restrict__ a, const half2* __restrict__ b, float* result, int n2)
{
    float acc = 0.0f;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n2; i += gridDim.x * blockDim.x) {
        half2 p = __hmul2(a[i], b[i]);
        acc += __low2float(p) + __high2float(p);
    }
    atomicAdd(result, acc);
}

__global__ void pairwise_max(const half2* __restrict__ a, half2* __restrict__ out, int n2)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n2) {
        half2 v = a[i];
        __half m = __porter_hmax(__low2half(v), __high2half(v));
        out[i] = __hadd2(__halves2half2(m, m), __floats2half2_rn(0.5f, -0.5f));
    }
}

int main()
{
    const int n = 1 << 20;  // even, so half2 views cover everything
    std::vector<__half> h_x(n), h_y(n);
    for (int i = 0; i < n; ++i) {
        h_x[i] = __float2half(1.0f);
        h_y[i] = __float2half(0.5f * (i % 4));
    }

    __half *d_x, *d_y, *d_out;
    float* d_dot;
    hipMalloc(&d_x, n * sizeof(__half));
    hipMalloc(&d_y, n * sizeof(__half));
    hipMalloc(&d_out, n * sizeof(__half));
    hipMalloc(&d_dot, sizeof(float));
    hipMemcpy(d_x, h_x.data(), n * sizeof(__half), hipMemcpyHostToDevice);
    hipMemcpy(d_y, h_y.data(), n * sizeof(__half), hipMemcpyHostToDevice);
    hipMemset(d_dot, 0, sizeof(float));

    hipLaunchKernelGGL(haxpy, dim3((n / 2 + 255) / 256), dim3(256), 0, 0, n, __float2half(2.0f), d_x, d_y);
    hipLaunchKernelGGL(relu_residual, dim3((n + 255) / 256), dim3(256), 0, 0, d_y, d_x, d_out, 0.5f, n);
    hipLaunchKernelGGL(hdot, dim3(256), dim3(256), 0, 0, reinterpret_cast<const half2*>(d_x), reinterpret_cast<const half2*>(d_y),
                       d_dot, n / 2);
    hipLaunchKernelGGL(pairwise_max, dim3((n / 2 + 255) / 256), dim3(256), 0, 0, reinterpret_cast<const half2*>(d_out),
                                                reinterpret_cast<half2*>(d_out), n / 2);
    if (hipDeviceSynchronize() != hipSuccess) {
        printf("fp16 kernels failed: %s\n", hipGetErrorString(hipGetLastError()));
        return 1;
    }

    float dot = 0.0f;
    hipMemcpy(&dot, d_dot, sizeof(float), hipMemcpyDeviceToHost);
    hipMemcpy(h_y.data(), d_y, n * sizeof(__half), hipMemcpyDeviceToHost);
    printf("y[3] = %f (expect 3.5), dot = %f\n", __half2float(h_y[3]), dot);

    hipFree(d_x); hipFree(d_y); hipFree(d_out); hipFree(d_dot);
    return 0;
}
