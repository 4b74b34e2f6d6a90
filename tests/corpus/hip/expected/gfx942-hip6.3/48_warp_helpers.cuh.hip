// 48_warp_helpers.cuh
// Exercises: a header of device helpers: #pragma once, __device__
// __forceinline__ functions, __host__ __device__ constexpr helpers, templated
// warp reductions with a reduction-op parameter, a warp-level broadcast, and
// an inline CUDA_CHECK macro for host code. Included by
// 49_softmax_uses_helpers.cu. Compile on its own with "nvcc -x cu".
// Warp-size hazards: the warp-width constant and full mask (marked); the
// helpers below derive everything from those two lines.

#pragma once

#include <cfloat>
#include <cstdio>
#include <cstdlib>
#include <hip/hip_runtime.h>

#ifndef CUDA_CHECK
#define CUDA_CHECK(call)                                                     \
    do {                                                                     \
        hipError_t err__ = (call);                                          \
        if (err__ != hipSuccess) {                                          \
            fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,               \
                    hipGetErrorString(err__));                              \
            std::exit(EXIT_FAILURE);                                         \
        }                                                                    \
    } while (0)
#endif

namespace helpers {

constexpr int kWarpSize = 64;  // HAZARD(warp-size): hard-coded warp width
constexpr unsigned long long kFullMask = 0xffffffffffffffffULL;  // HAZARD(warp-size): 32-lane full mask

__host__ __device__ constexpr int ceil_div(int a, int b) { return (a + b - 1) / b; }

__device__ __forceinline__ int lane_id() { return threadIdx.x % kWarpSize; }
__device__ __forceinline__ int warp_id() { return threadIdx.x / kWarpSize; }
__device__ __forceinline__ int warps_per_block() { return blockDim.x / kWarpSize; }

struct Sum {
    __device__ __forceinline__ float operator()(float a, float b) const { return a + b; }
};
struct Max {
    __device__ __forceinline__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

// Butterfly reduction: every lane ends up with the result.
template <typename Op>
__device__ __forceinline__ float warp_allreduce(float v, Op op)
{
#pragma unroll
    for (int mask = kWarpSize / 2; mask > 0; mask >>= 1) v = op(v, __shfl_xor_sync(__activemask(), v, mask));
    return v;
}

__device__ __forceinline__ float warp_sum(float v) { return warp_allreduce(v, Sum()); }
__device__ __forceinline__ float warp_max(float v) { return warp_allreduce(v, Max()); }

__device__ __forceinline__ float warp_broadcast(float v, int src_lane)
{
    return __shfl_sync(__activemask(), v, src_lane);
}

// Block-wide reductions built on the warp helpers; per-warp partials in
// shared memory, result broadcast to every thread of the block.
template <typename Op>
__device__ __forceinline__ float block_allreduce(float v, Op op, float identity)
{
    __shared__ float partial[32];  // SAFE(warp-size): one slot per warp, fits any wave size
    __shared__ float result;
    v = warp_allreduce(v, op);
    if (lane_id() == 0) partial[warp_id()] = v;
    __syncthreads();
    if (warp_id() == 0) {
        v = (lane_id() < warps_per_block()) ? partial[lane_id()] : identity;
        v = warp_allreduce(v, op);
        if (lane_id() == 0) result = v;
    }
    __syncthreads();
    return result;
}

__device__ __forceinline__ float block_sum(float v) { return block_allreduce(v, Sum(), 0.0f); }
__device__ __forceinline__ float block_max(float v) { return block_allreduce(v, Max(), -FLT_MAX); }

}  // namespace helpers
