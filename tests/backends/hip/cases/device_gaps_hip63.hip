// porter-options: hip_version=6.3 offload_arch=gfx942
// Device intrinsics at HIP 6.3: what HIP 6.3 has stays; the rest as for 5.2.
#include <hip/hip_runtime.h>
#ifndef PORTER_HELPER_LD_PLAIN
#define PORTER_HELPER_LD_PLAIN
template <class T> static __device__ inline T __porter_ld_plain(const T* p) { return *p; }
#endif
#ifndef PORTER_HELPER_LD_VOLATILE
#define PORTER_HELPER_LD_VOLATILE
template <class T> static __device__ inline T __porter_ld_volatile(const T* p) {
  T value;
  if constexpr (sizeof(T) % 4 == 0) {
    unsigned int words[sizeof(T) / 4];
    for (unsigned i = 0; i < sizeof(T) / 4; ++i) words[i] = reinterpret_cast<const volatile unsigned int*>(p)[i];
    __builtin_memcpy(&value, words, sizeof(T));
  } else {
    unsigned char bytes[sizeof(T)];
    for (unsigned i = 0; i < sizeof(T); ++i) bytes[i] = reinterpret_cast<const volatile unsigned char*>(p)[i];
    __builtin_memcpy(&value, bytes, sizeof(T));
  }
  return value;
}
#endif
#ifndef PORTER_HELPER_SIMD_VABSDIFFU4
#define PORTER_HELPER_SIMD_VABSDIFFU4
// porter: CUDA's __vabsdiffu4 (HIP has no SIMD video intrinsics)
static __host__ __device__ inline unsigned int __porter_vabsdiffu4(unsigned int a, unsigned int b) {
  unsigned int r = 0;
  const long long lo = 0LL, hi = 255LL;
  (void)lo; (void)hi;
  for (int i = 0; i < 32; i += 8) {
    const long long x = (unsigned char)((a >> i) & 0xffu);
    const long long y = (unsigned char)((b >> i) & 0xffu);
    r |= ((unsigned int)(x > y ? x - y : y - x) & 0xffu) << i;
  }
  return r;
}
#endif
#ifndef PORTER_HELPER_SIMD_VCMPEQ4
#define PORTER_HELPER_SIMD_VCMPEQ4
// porter: CUDA's __vcmpeq4 (HIP has no SIMD video intrinsics)
static __host__ __device__ inline unsigned int __porter_vcmpeq4(unsigned int a, unsigned int b) {
  unsigned int r = 0;
  const long long lo = 0LL, hi = 255LL;
  (void)lo; (void)hi;
  for (int i = 0; i < 32; i += 8) {
    const long long x = (unsigned char)((a >> i) & 0xffu);
    const long long y = (unsigned char)((b >> i) & 0xffu);
    r |= ((unsigned int)(x == y ? -1 : 0) & 0xffu) << i;
  }
  return r;
}
#endif
#ifndef PORTER_HELPER_SIMD_VMAXS4
#define PORTER_HELPER_SIMD_VMAXS4
// porter: CUDA's __vmaxs4 (HIP has no SIMD video intrinsics)
static __host__ __device__ inline unsigned int __porter_vmaxs4(unsigned int a, unsigned int b) {
  unsigned int r = 0;
  const long long lo = -128LL, hi = 127LL;
  (void)lo; (void)hi;
  for (int i = 0; i < 32; i += 8) {
    const long long x = (signed char)((a >> i) & 0xffu);
    const long long y = (signed char)((b >> i) & 0xffu);
    r |= ((unsigned int)(x > y ? x : y) & 0xffu) << i;
  }
  return r;
}
#endif
#ifndef PORTER_HELPER_SIMD_VSADU4
#define PORTER_HELPER_SIMD_VSADU4
// porter: CUDA's __vsadu4 (HIP has no SIMD video intrinsics)
static __host__ __device__ inline unsigned int __porter_vsadu4(unsigned int a, unsigned int b) {
  unsigned int r = 0;
  const long long lo = 0LL, hi = 255LL;
  (void)lo; (void)hi;
  for (int i = 0; i < 32; i += 8) {
    const long long x = (unsigned char)((a >> i) & 0xffu);
    const long long y = (unsigned char)((b >> i) & 0xffu);
    r += (unsigned int)(x > y ? x - y : y - x);
  }
  return r;
}
#endif
#ifndef PORTER_HELPER_SIMD_VSUB2
#define PORTER_HELPER_SIMD_VSUB2
// porter: CUDA's __vsub2 (HIP has no SIMD video intrinsics)
static __host__ __device__ inline unsigned int __porter_vsub2(unsigned int a, unsigned int b) {
  unsigned int r = 0;
  const long long lo = 0LL, hi = 65535LL;
  (void)lo; (void)hi;
  for (int i = 0; i < 32; i += 16) {
    const long long x = (unsigned short)((a >> i) & 0xffffu);
    const long long y = (unsigned short)((b >> i) & 0xffffu);
    r |= ((unsigned int)(x - y) & 0xffffu) << i;
  }
  return r;
}
#endif
#ifndef PORTER_HELPER_ST_PLAIN
#define PORTER_HELPER_ST_PLAIN
template <class T, class V> static __device__ inline void __porter_st_plain(T* p, V value) { *p = value; }
#endif
#ifndef PORTER_HELPER_ST_VOLATILE
#define PORTER_HELPER_ST_VOLATILE
template <class T, class V> static __device__ inline void __porter_st_volatile(T* p, V value) {
  const T stored = value;
  if constexpr (sizeof(T) % 4 == 0) {
    unsigned int words[sizeof(T) / 4];
    __builtin_memcpy(words, &stored, sizeof(T));
    for (unsigned i = 0; i < sizeof(T) / 4; ++i) reinterpret_cast<volatile unsigned int*>(p)[i] = words[i];
  } else {
    unsigned char bytes[sizeof(T)];
    __builtin_memcpy(bytes, &stored, sizeof(T));
    for (unsigned i = 0; i < sizeof(T); ++i) reinterpret_cast<volatile unsigned char*>(p)[i] = bytes[i];
  }
}
#endif
#include <hip/hip_fp16.h>
#include <hip/hip_cooperative_groups.h>
#include <cooperative_groups/reduce.h>
namespace cg = cooperative_groups;
#define FULL uint32_t(-1)
__global__ void k(unsigned* a, const float* f, float* g, __half* h, float4* q) {
  unsigned x = a[threadIdx.x];
  a[0] = __porter_vmaxs4(x, a[1]) + __porter_vabsdiffu4(x, 3u) + __porter_vsub2(x, 1u) + __porter_vsadu4(x, x) + __porter_vcmpeq4(x, 0u);
  float v = __porter_ld_plain(f + threadIdx.x) + __porter_ld_volatile(&f[1]) + __porter_ld_plain(f) + ::__shfl_xor_sync(__activemask(), 1.0f, 1);
  float4 w = __porter_ld_volatile(q);
  __porter_st_plain(g, v);
  __porter_st_volatile(q + 1, w);
  h[0] = __hmax(h[1], h[2]);
  v += __shfl_sync(__activemask(), v, 0) + __shfl_down_sync<float>(__activemask(), v, 1);
  cg::thread_block_tile<32> tile = cg::tiled_partition<32>(cg::this_thread_block());
  g[1] = cg::reduce(tile, v, cg::plus<float>()) + cg::reduce(tile, v, cg::greater<float>());
  a[3] = cooperative_groups::reduce(tile, x, cooperative_groups::bit_xor<unsigned>());
  a[2] = __vavgs4(x, x);
}
