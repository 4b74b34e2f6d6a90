// porter-options: hip_version=5.2 offload_arch=gfx90a
// Headers map once; macro bodies and every #if branch are translated; comments and strings are not.
#include <hip/hip_runtime.h>
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
#include <hip/hip_fp16.h>
#include <hip/hip_bfloat16.h>
#include <hip/hip_cooperative_groups.h>
#define CUDA_CHECK(call) do { hipError_t err = (call); if (err != hipSuccess) { \
  fprintf(stderr, "cudaMalloc/cudaMemcpy failed: %s\n", hipGetErrorString(err)); exit(1); } } while (0)
/* cudaFree(ptr) is called below */
#ifdef __HIP_DEVICE_COMPILE__
#define ON_DEVICE 1
#endif
#if CUDART_VERSION >= 11000
static void sync_all() { hipDeviceSynchronize(); }
#else
static void sync_all() { hipDeviceSynchronize(); }
#endif
__global__ void k(__porter_bfloat16* x) { x[0] = hip_bfloat16(float(x[0]) * 2.0f); }
void run(__half* h) {
  CUDA_CHECK(hipMalloc(&h, 16));
  const char* name = "cudaMemcpyHostToDevice";
  CUDA_CHECK(hipFree(h));
  sync_all();
}
