// porter-options: hip_version=5.2 offload_arch=gfx1100
// PTX idioms with HIP equivalents are translated; the rest are errors.
#include <hip/hip_runtime.h>
__device__ unsigned lane_id() {
  unsigned lane;
  lane = __lane_id();
  return lane;
}
__device__ unsigned long long now() {
  unsigned long long t;
  t = clock64();
  __threadfence();
  return t;
}
__device__ unsigned bits(unsigned x) {
  unsigned r;
  r = __bitextract_u32((x), (4), (8));
  return r;
}
__device__ float4 load(const float4* p) {
  float4 v;
  asm volatile("ld.global.nc.v4.f32 {%0,%1,%2,%3}, [%4];" : "=f"(v.x), "=f"(v.y), "=f"(v.z), "=f"(v.w) : "l"(p));
  return v;
}
