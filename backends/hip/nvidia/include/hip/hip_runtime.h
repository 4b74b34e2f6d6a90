// porter: HIP -> CUDA for running HIP ports on NVIDIA GPUs (checking only; see ../../README.md).
#pragma once
#include <cuda_runtime.h>
#include <stdint.h>

#define __HIP_PLATFORM_NVIDIA__ 1
#define __HIPCC__ 1
#if defined(__CUDA_ARCH__)
#define __HIP_DEVICE_COMPILE__ 1
#endif

// CUDA's own headers that declare warp built-ins come first: the macros below would rewrite them.
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <cooperative_groups.h>

// Mask-less warp built-ins (HIP before 6.2): every lane of the warp takes part. Macros, because
// CUDA still declares deprecated functions of some of these names.
#define PORTER_FULL_WARP 0xffffffffu
#define __shfl(v, ...) __shfl_sync(PORTER_FULL_WARP, v, __VA_ARGS__)
#define __shfl_up(v, ...) __shfl_up_sync(PORTER_FULL_WARP, v, __VA_ARGS__)
#define __shfl_down(v, ...) __shfl_down_sync(PORTER_FULL_WARP, v, __VA_ARGS__)
#define __shfl_xor(v, ...) __shfl_xor_sync(PORTER_FULL_WARP, v, __VA_ARGS__)
#define __ballot(p) ((unsigned long long)__ballot_sync(PORTER_FULL_WARP, (p)))
#define __any(p) __any_sync(PORTER_FULL_WARP, (p))
#define __all(p) __all_sync(PORTER_FULL_WARP, (p))
__device__ __forceinline__ unsigned __lane_id() {
  unsigned lane;
  asm volatile("mov.u32 %0, %%laneid;" : "=r"(lane));
  return lane;
}

// HIP 6.2+ *_sync built-ins take 64-bit masks; CUDA's take 32 bits (a 32-lane warp).
#define PORTER_MASK32(m) ((unsigned)((m) & 0xffffffffull))
#define __shfl_sync(m, ...) __shfl_sync(PORTER_MASK32(m), __VA_ARGS__)
#define __shfl_up_sync(m, ...) __shfl_up_sync(PORTER_MASK32(m), __VA_ARGS__)
#define __shfl_down_sync(m, ...) __shfl_down_sync(PORTER_MASK32(m), __VA_ARGS__)
#define __shfl_xor_sync(m, ...) __shfl_xor_sync(PORTER_MASK32(m), __VA_ARGS__)
#define __ballot_sync(m, p) ((unsigned long long)__ballot_sync(PORTER_MASK32(m), (p)))
#define __any_sync(m, p) __any_sync(PORTER_MASK32(m), (p))
#define __all_sync(m, p) __all_sync(PORTER_MASK32(m), (p))

// The AMD built-ins in porter's __syncwarp helper for HIP before 6.2.
#define __builtin_amdgcn_fence(order, scope) __threadfence_block()
#define __builtin_amdgcn_wave_barrier() __syncwarp()
