// hip_shim.h: enough of HIP for g++ to compile a HIP port and run it on the CPU with the
// wavefront width of an AMD GPU (64 lanes for gfx90a/gfx942, 32 for RDNA's wave32).
//
// It is cuda_shim.h's runtime (fibers, barriers, guarded buffers) with PORTER_WARP_SIZE lanes per
// warp (64 unless defined first), and HIP's warp built-ins as ROCm defines them
// (amd_warp_functions.h, amd_warp_sync_functions.h of ROCm 6.2+):
//   * warpSize is the wavefront width; lane masks and ballots are 64-bit;
//   * __shfl/__shfl_up/__shfl_down/__shfl_xor compute a source lane exactly as HIP does (a source
//     outside the `width` segment is the lane itself) and read it as ds_bpermute does: the index
//     wraps modulo the wavefront, and a lane that does not exist or does not take part (a partial
//     wavefront, an exited thread) reads zero bits -- not its own value as on CUDA;
//   * the *_sync forms take only 64-bit masks (a static_assert, as ROCm's) and check, as ROCm's
//     __hip_check_mask asserts, that the mask is exactly the set of lanes taking part: a full
//     64-bit mask in a wavefront of 32 live lanes stops the run (a device assert on the GPU);
//   * __all_sync is `__ballot_sync(mask, p) == mask`, and __activemask() is `__ballot(true)`, as
//     ROCm defines them.
// Lanes meet at a per-wavefront barrier as in cuda_shim.h: the non-_sync forms wait for every
// live lane of the wavefront (lock-step execution), so lanes that diverged around a shuffle show
// as a deadlock here, where the hardware would read zeros from them.
// Every HIP header a port includes (executor.py's HIP_HEADERS, <hip/hip_bfloat16.h> of HIP 5.x
// among them) is this file.
#pragma once

#define PORTER_HIP 1
#ifndef PORTER_WARP_SIZE
#define PORTER_WARP_SIZE 64
#endif
#define __HIP_PLATFORM_AMD__ 1
#define __HIPCC__ 1
#define __HIP_DEVICE_COMPILE__ 1
#define __AMDGCN_WAVEFRONT_SIZE PORTER_WARP_SIZE

#include "cuda_shim.h"

namespace porter_ref {
// ROCm's __hip_check_mask: the mask must be non-zero and name exactly the lanes taking part.
inline void check_hip_mask(LaneMask mask, LaneMask active, const char* builtin) {
  if (mask == 0) stop(kFault, "fault", "HIP warp built-in with an empty lane mask (ROCm asserts)");
  if (mask != active) {
    char detail[256];
    std::snprintf(detail, sizeof detail,
                  "%s: lane mask 0x%llx is not the set of lanes taking part, 0x%llx, in wavefront %u of "
                  "block (%u,%u,%u) (ROCm's __hip_check_mask asserts; a %u-lane wavefront)",
                  builtin, mask, active, current->linear / kLanes, block_idx.x, block_idx.y, block_idx.z, kLanes);
    stop(kFault, "fault", detail);
  }
}
inline LaneMask adjust_mask(LaneMask mask) { return kLanes == 32 ? mask & 0xffffffffull : mask; }
inline LaneMask all_live() { return my_warp().live; }
template <class M> constexpr void require_64_bit_mask() {
  static_assert(std::is_integral_v<M> && sizeof(M) == 8,
                "The mask must be a 64-bit integer. Implicitly promoting a smaller integer is almost always an error.");
}
}  // namespace porter_ref

// ---------------------------------------------------------------- HIP's warp built-ins
inline unsigned __lane_id() { return porter_ref::lane(); }
// ROCm's __activemask() is __ballot(true): the lanes that reach it together (lock-step, as the
// mask-less forms here), so lanes that exit before it -- the other row of a [32, 4] block past the
// last row -- are not in it, whatever order the CPU runs the lanes in.
inline unsigned long long __activemask() { return porter_ref::vote(porter_ref::all_live(), 1); }
inline unsigned long long __ballot(int p) { return porter_ref::vote(porter_ref::all_live(), p); }
inline int __any(int p) { return porter_ref::vote(porter_ref::all_live(), p) != 0; }
inline int __all(int p) {
  porter_ref::LaneMask active = 0, votes = porter_ref::vote(porter_ref::all_live(), p, &active);
  return votes == active;
}
inline void __syncwarp() { porter_ref::warp_sync(porter_ref::all_live()); }

template <class T> T __shfl(T var, int src_lane, int width = warpSize) {
  int self = static_cast<int>(__lane_id());
  int index = src_lane + (self & ~(width - 1));
  return porter_ref::permute(porter_ref::all_live(), var, static_cast<unsigned>(index));
}
template <class T> T __shfl_up(T var, unsigned delta, int width = warpSize) {
  int self = static_cast<int>(__lane_id());
  int index = self - static_cast<int>(delta);
  index = index < (self & ~(width - 1)) ? self : index;
  return porter_ref::permute(porter_ref::all_live(), var, static_cast<unsigned>(index));
}
template <class T> T __shfl_down(T var, unsigned delta, int width = warpSize) {
  int self = static_cast<int>(__lane_id());
  int index = self + static_cast<int>(delta);
  index = static_cast<int>((self & (width - 1)) + delta) >= width ? self : index;
  return porter_ref::permute(porter_ref::all_live(), var, static_cast<unsigned>(index));
}
template <class T> T __shfl_xor(T var, int lane_mask, int width = warpSize) {
  int self = static_cast<int>(__lane_id());
  int index = self ^ lane_mask;
  index = index >= ((self + width) & ~(width - 1)) ? self : index;
  return porter_ref::permute(porter_ref::all_live(), var, static_cast<unsigned>(index));
}

// The *_sync forms: lanes named by the mask meet; the mask must be exactly those taking part.
namespace porter_ref {
template <class T> T shuffle_sync(LaneMask mask, T var, int index, const char* builtin) {
  mask = adjust_mask(mask);
  LaneMask active = 0;
  T result = permute(mask & my_warp().live, var, static_cast<unsigned>(index), &active);
  check_hip_mask(mask, active, builtin);
  return result;
}
}  // namespace porter_ref

template <class M, class T> T __shfl_sync(M mask, T var, int src_lane, int width = warpSize) {
  porter_ref::require_64_bit_mask<M>();
  int self = static_cast<int>(__lane_id());
  return porter_ref::shuffle_sync(mask, var, src_lane + (self & ~(width - 1)), "__shfl_sync");
}
template <class M, class T> T __shfl_up_sync(M mask, T var, unsigned delta, int width = warpSize) {
  porter_ref::require_64_bit_mask<M>();
  int self = static_cast<int>(__lane_id());
  int index = self - static_cast<int>(delta);
  index = index < (self & ~(width - 1)) ? self : index;
  return porter_ref::shuffle_sync(mask, var, index, "__shfl_up_sync");
}
template <class M, class T> T __shfl_down_sync(M mask, T var, unsigned delta, int width = warpSize) {
  porter_ref::require_64_bit_mask<M>();
  int self = static_cast<int>(__lane_id());
  int index = self + static_cast<int>(delta);
  index = static_cast<int>((self & (width - 1)) + delta) >= width ? self : index;
  return porter_ref::shuffle_sync(mask, var, index, "__shfl_down_sync");
}
template <class M, class T> T __shfl_xor_sync(M mask, T var, int lane_mask, int width = warpSize) {
  porter_ref::require_64_bit_mask<M>();
  int self = static_cast<int>(__lane_id());
  int index = self ^ lane_mask;
  index = index >= ((self + width) & ~(width - 1)) ? self : index;
  return porter_ref::shuffle_sync(mask, var, index, "__shfl_xor_sync");
}
template <class M> unsigned long long __ballot_sync(M mask, int p) {
  porter_ref::require_64_bit_mask<M>();
  porter_ref::LaneMask m = porter_ref::adjust_mask(mask), active = 0;
  porter_ref::LaneMask votes = porter_ref::vote(m & porter_ref::my_warp().live, p, &active);
  porter_ref::check_hip_mask(m, active, "__ballot_sync");
  return votes & m;
}
template <class M> int __all_sync(M mask, int p) {
  porter_ref::require_64_bit_mask<M>();
  porter_ref::LaneMask m = porter_ref::adjust_mask(mask);
  return __ballot_sync(mask, p) == m;
}
template <class M> int __any_sync(M mask, int p) {
  porter_ref::require_64_bit_mask<M>();
  return __ballot_sync(mask, p) != 0;
}
template <class M> void __syncwarp(M mask) {
  porter_ref::require_64_bit_mask<M>();
  porter_ref::LaneMask m = porter_ref::adjust_mask(mask), active = 0;
  porter_ref::vote(m & porter_ref::my_warp().live, 0, &active);
  porter_ref::check_hip_mask(m, active, "__syncwarp");
}

// ---------------------------------------------------------------- HIP's names for types
using __hip_bfloat16 = __nv_bfloat16;
using __hip_bfloat162 = __nv_bfloat162;
using hip_bfloat16 = __nv_bfloat16;
#define hipThreadIdx_x threadIdx.x
#define hipThreadIdx_y threadIdx.y
#define hipThreadIdx_z threadIdx.z
#define hipBlockIdx_x blockIdx.x
#define hipBlockIdx_y blockIdx.y
#define hipBlockIdx_z blockIdx.z
#define hipBlockDim_x blockDim.x
#define hipBlockDim_y blockDim.y
#define hipBlockDim_z blockDim.z
#define hipGridDim_x gridDim.x
#define hipGridDim_y gridDim.y
#define hipGridDim_z gridDim.z

// ---------------------------------------------------------------- the HIP runtime API, as CUDA's
using hipError_t = cudaError_t;
constexpr hipError_t hipSuccess = cudaSuccess;
constexpr hipError_t hipErrorOutOfMemory = cudaErrorMemoryAllocation;
using hipMemcpyKind = cudaMemcpyKind;
constexpr hipMemcpyKind hipMemcpyHostToHost = cudaMemcpyHostToHost;
constexpr hipMemcpyKind hipMemcpyHostToDevice = cudaMemcpyHostToDevice;
constexpr hipMemcpyKind hipMemcpyDeviceToHost = cudaMemcpyDeviceToHost;
constexpr hipMemcpyKind hipMemcpyDeviceToDevice = cudaMemcpyDeviceToDevice;
using hipStream_t = void*;
struct hipDeviceProp_t { char name[256]; int major, minor, warpSize; };
template <class T> inline hipError_t hipMalloc(T** pointer, size_t bytes) {
  return cudaMalloc(reinterpret_cast<void**>(pointer), bytes);
}
inline hipError_t hipFree(void* pointer) { return cudaFree(pointer); }
inline hipError_t hipMemcpy(void* to, const void* from, size_t bytes, hipMemcpyKind kind) {
  return cudaMemcpy(to, from, bytes, kind);
}
inline hipError_t hipMemset(void* to, int value, size_t bytes) { return cudaMemset(to, value, bytes); }
inline hipError_t hipGetLastError() { return hipSuccess; }
inline hipError_t hipPeekAtLastError() { return hipSuccess; }
inline hipError_t hipDeviceSynchronize() { return hipSuccess; }
inline const char* hipGetErrorString(hipError_t) { return "error"; }
inline hipError_t hipGetDevice(int* device) { *device = 0; return hipSuccess; }
inline hipError_t hipGetDeviceProperties(hipDeviceProp_t* prop, int) {
  std::snprintf(prop->name, sizeof prop->name, "porter CPU reference (%d-lane wavefronts)", warpSize);
  prop->major = 9;
  prop->minor = 0;
  prop->warpSize = warpSize;
  return hipSuccess;
}
#define hipLaunchKernelGGL(kernel, grid, block, shared, stream, ...) \
  ::porter_ref::launch(dim3(grid), dim3(block), static_cast<unsigned>(shared), kernel, ##__VA_ARGS__)
