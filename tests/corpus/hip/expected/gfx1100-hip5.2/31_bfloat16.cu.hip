// 31_bfloat16.cu
// Exercises: cuda_bf16.h: __nv_bfloat16 and __nv_bfloat162, __float2bfloat16,
// __float2bfloat16_rn, __bfloat162float, __floats2bfloat162_rn,
// __bfloat1622float2, __low2bfloat16/__high2bfloat16, __hmul2 / __hfma2 / __hadd
// on bf16 operands, vectorised __nv_bfloat162 loads, and the conversion of an
// fp32 weight matrix to bf16 on the device with a float accumulation GEMV.
// Warp-size hazards: none.

#include <cstdio>
#include <vector>
#include <hip/hip_runtime.h>
#include <hip/hip_bfloat16.h>
#ifndef PORTER_HELPER_BF16_TYPE
#define PORTER_HELPER_BF16_TYPE
// porter: CUDA's bf16 type, conversions and half-precision overloads for HIP before 6.0 (hip_bfloat16 has no intrinsics)
#include <hip/hip_bfloat16.h>
static __host__ __device__ inline hip_bfloat16 __porter_bf16_from_double(double d) {
  float f = static_cast<float>(d);
  if (static_cast<double>(f) != d && f == f) {  // inexact: round to odd, so that the rounding to bf16 is exact
    unsigned int bits;
    __builtin_memcpy(&bits, &f, 4);
    if (__builtin_fabs(static_cast<double>(f)) > __builtin_fabs(d)) bits -= 1u;
    bits |= 1u;
    __builtin_memcpy(&f, &bits, 4);
  }
  return hip_bfloat16(f);
}
struct __porter_bfloat16 : hip_bfloat16 {
  __porter_bfloat16() = default;
  __host__ __device__ __porter_bfloat16(hip_bfloat16 h) : hip_bfloat16(h) {}
  __host__ __device__ __porter_bfloat16(float f) : hip_bfloat16(f) {}
  __host__ __device__ __porter_bfloat16(double d) : hip_bfloat16(__porter_bf16_from_double(d)) {}
  __host__ __device__ __porter_bfloat16(short v) : hip_bfloat16(static_cast<float>(v)) {}
  __host__ __device__ __porter_bfloat16(unsigned short v) : hip_bfloat16(static_cast<float>(v)) {}
  __host__ __device__ __porter_bfloat16(int v) : hip_bfloat16(__porter_bf16_from_double(v)) {}
  __host__ __device__ __porter_bfloat16(unsigned int v) : hip_bfloat16(__porter_bf16_from_double(v)) {}
  __host__ __device__ __porter_bfloat16(long v) : hip_bfloat16(__porter_bf16_from_double(static_cast<double>(v))) {}
  __host__ __device__ __porter_bfloat16(unsigned long v) : hip_bfloat16(__porter_bf16_from_double(static_cast<double>(v))) {}
  __host__ __device__ __porter_bfloat16(long long v) : hip_bfloat16(__porter_bf16_from_double(static_cast<double>(v))) {}
  __host__ __device__ __porter_bfloat16(unsigned long long v) : hip_bfloat16(__porter_bf16_from_double(static_cast<double>(v))) {}
};
// cuda_bf16.h's overloads of the half-precision functions, for bf16 (HIP before 6.0 has them for
// __half only): sign and max/min on the bits and values (NaN rules as CUDA's), arithmetic in float
// rounded once to bf16, as HIP 6's hip_bf16.h computes it.
static __device__ inline hip_bfloat16 __habs(hip_bfloat16 a) { a.data &= 0x7fffu; return a; }
static __device__ inline hip_bfloat16 __hneg(hip_bfloat16 a) { a.data ^= 0x8000u; return a; }
static __device__ inline hip_bfloat16 __porter_bf16_max(hip_bfloat16 a, hip_bfloat16 b) {
  const float x = a, y = b;
  return x != x ? b : (y != y ? a : (x > y ? a : b));
}
static __device__ inline hip_bfloat16 __porter_bf16_min(hip_bfloat16 a, hip_bfloat16 b) {
  const float x = a, y = b;
  return x != x ? b : (y != y ? a : (x < y ? a : b));
}
static __device__ inline hip_bfloat16 __hmax(hip_bfloat16 a, hip_bfloat16 b) { return __porter_bf16_max(a, b); }
static __device__ inline hip_bfloat16 __hmin(hip_bfloat16 a, hip_bfloat16 b) { return __porter_bf16_min(a, b); }
static __device__ inline hip_bfloat16 __porter_hmax(hip_bfloat16 a, hip_bfloat16 b) { return __porter_bf16_max(a, b); }
static __device__ inline hip_bfloat16 __porter_hmin(hip_bfloat16 a, hip_bfloat16 b) { return __porter_bf16_min(a, b); }
static __device__ inline hip_bfloat16 __hadd(hip_bfloat16 a, hip_bfloat16 b) { return hip_bfloat16(float(a) + float(b)); }
static __device__ inline hip_bfloat16 __hsub(hip_bfloat16 a, hip_bfloat16 b) { return hip_bfloat16(float(a) - float(b)); }
static __device__ inline hip_bfloat16 __hmul(hip_bfloat16 a, hip_bfloat16 b) { return hip_bfloat16(float(a) * float(b)); }
static __device__ inline hip_bfloat16 __hdiv(hip_bfloat16 a, hip_bfloat16 b) { return hip_bfloat16(float(a) / float(b)); }
static __device__ inline hip_bfloat16 __hfma(hip_bfloat16 a, hip_bfloat16 b, hip_bfloat16 c) {
  return hip_bfloat16(__builtin_fmaf(float(a), float(b), float(c)));
}
static __device__ inline hip_bfloat16 hfloor(hip_bfloat16 h) { const float x = h; return hip_bfloat16(floorf(x)); }
static __device__ inline hip_bfloat16 hceil(hip_bfloat16 h) { const float x = h; return hip_bfloat16(ceilf(x)); }
static __device__ inline hip_bfloat16 htrunc(hip_bfloat16 h) { const float x = h; return hip_bfloat16(truncf(x)); }
static __device__ inline hip_bfloat16 hrint(hip_bfloat16 h) { const float x = h; return hip_bfloat16(rintf(x)); }
static __device__ inline hip_bfloat16 hsqrt(hip_bfloat16 h) { const float x = h; return hip_bfloat16(sqrtf(x)); }
static __device__ inline hip_bfloat16 hrsqrt(hip_bfloat16 h) { const float x = h; return hip_bfloat16(rsqrtf(x)); }
static __device__ inline hip_bfloat16 hrcp(hip_bfloat16 h) { const float x = h; return hip_bfloat16(1.0f / x); }
static __device__ inline hip_bfloat16 hexp(hip_bfloat16 h) { const float x = h; return hip_bfloat16(expf(x)); }
static __device__ inline hip_bfloat16 hexp2(hip_bfloat16 h) { const float x = h; return hip_bfloat16(exp2f(x)); }
static __device__ inline hip_bfloat16 hexp10(hip_bfloat16 h) { const float x = h; return hip_bfloat16(exp10f(x)); }
static __device__ inline hip_bfloat16 hlog(hip_bfloat16 h) { const float x = h; return hip_bfloat16(logf(x)); }
static __device__ inline hip_bfloat16 hlog2(hip_bfloat16 h) { const float x = h; return hip_bfloat16(log2f(x)); }
static __device__ inline hip_bfloat16 hlog10(hip_bfloat16 h) { const float x = h; return hip_bfloat16(log10f(x)); }
static __device__ inline hip_bfloat16 hsin(hip_bfloat16 h) { const float x = h; return hip_bfloat16(sinf(x)); }
static __device__ inline hip_bfloat16 hcos(hip_bfloat16 h) { const float x = h; return hip_bfloat16(cosf(x)); }
#endif

__global__ void f32_to_bf16(const float* __restrict__ in, __porter_bfloat16* __restrict__ out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = hip_bfloat16(in[i]);
}

// y[r] = sum_c W[r, c] * x[c], W and x in bf16, accumulation in fp32.
// cols must be even; each thread consumes __nv_bfloat162 pairs.
__global__ void gemv_bf16(const __porter_bfloat16* __restrict__ W, const __porter_bfloat16* __restrict__ x,
                          float* __restrict__ y, int rows, int cols)
{
    int r = blockIdx.x * blockDim.x + threadIdx.x;
    if (r >= rows) return;
    const __nv_bfloat162* w2 = reinterpret_cast<const __nv_bfloat162*>(W + (size_t)r * cols);
    const __nv_bfloat162* x2 = reinterpret_cast<const __nv_bfloat162*>(x);
    float acc = 0.0f;
    for (int c = 0; c < cols / 2; ++c) {
        float2 p = __bfloat1622float2(__hmul2(w2[c], x2[c]));
        acc += p.x + p.y;
    }
    y[r] = acc;
}

// Bias + scale in packed bf16 arithmetic.
__global__ void bias_scale_bf16x2(__nv_bfloat162* __restrict__ v, __porter_bfloat16 bias, float scale, int n2)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n2) return;
    __nv_bfloat162 s2 = __floats2bfloat162_rn(scale, scale);
    __nv_bfloat162 b2 = __halves2bfloat162(bias, bias);
    __nv_bfloat162 r = __hfma2(v[i], s2, b2);
    __porter_bfloat16 lo = __low2bfloat16(r);
    __porter_bfloat16 hi = __high2bfloat16(r);
    float check = float(__hadd(lo, hi));
    v[i] = (check == check) ? r : b2;  // keep the bias if the result is NaN
}

int main()
{
    const int rows = 1024, cols = 512;
    std::vector<float> h_w((size_t)rows * cols), h_x(cols), h_y(rows);
    for (size_t i = 0; i < h_w.size(); ++i) h_w[i] = 0.001f * (i % 100);
    for (int c = 0; c < cols; ++c) h_x[c] = 1.0f;

    float *d_wf, *d_xf, *d_y;
    __porter_bfloat16 *d_w, *d_x;
    hipMalloc(&d_wf, h_w.size() * sizeof(float));
    hipMalloc(&d_xf, cols * sizeof(float));
    hipMalloc(&d_y, rows * sizeof(float));
    hipMalloc(&d_w, h_w.size() * sizeof(__porter_bfloat16));
    hipMalloc(&d_x, cols * sizeof(__porter_bfloat16));
    hipMemcpy(d_wf, h_w.data(), h_w.size() * sizeof(float), hipMemcpyHostToDevice);
    hipMemcpy(d_xf, h_x.data(), cols * sizeof(float), hipMemcpyHostToDevice);

    const int total = rows * cols;
    f32_to_bf16<<<(total + 255) / 256, 256>>>(d_wf, d_w, total);
    f32_to_bf16<<<(cols + 255) / 256, 256>>>(d_xf, d_x, cols);
    bias_scale_bf16x2<<<(cols / 2 + 127) / 128, 128>>>(reinterpret_cast<__nv_bfloat162*>(d_x),
                                                        hip_bfloat16(0.0f), 1.0f, cols / 2);
    gemv_bf16<<<(rows + 127) / 128, 128>>>(d_w, d_x, d_y, rows, cols);
    hipError_t err = hipDeviceSynchronize();
    if (err != hipSuccess) {
        printf("bf16 kernels: %s\n", hipGetErrorString(err));
        return 1;
    }
    hipMemcpy(h_y.data(), d_y, rows * sizeof(float), hipMemcpyDeviceToHost);

    __porter_bfloat16 probe = hip_bfloat16(3.14159f);
    printf("y[0] = %f, bf16(pi) = %f\n", h_y[0], float(probe));

    hipFree(d_wf); hipFree(d_xf); hipFree(d_y);
    hipFree(d_w); hipFree(d_x);
    return 0;
}
