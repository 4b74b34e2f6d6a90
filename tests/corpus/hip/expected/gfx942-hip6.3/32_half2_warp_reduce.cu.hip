// 32_half2_warp_reduce.cu
// Exercises: mixed precision reductions: half2 inputs loaded as half2,
// shuffles of __half2 values (__shfl_xor_sync on half2), conversion to float
// with __half22float2, a float warp reduction in loop form, a per-warp
// partial array in static shared memory, and an L2 norm computed per row.
// Warp-size hazards: several (each is marked on its line).

#include <cstdio>
#include <hip/hip_runtime.h>
#include <hip/hip_fp16.h>

__device__ __forceinline__ half2 warp_sum_h2(half2 v)
{
    for (int m = warpSize / 2; m > 0; m >>= 1)  // HAZARD(warp-size): butterfly over 32 lanes
        v = __hadd2(v, __shfl_xor_sync(__activemask(), v, m));  // HAZARD(warp-size): full 32-lane mask
    return v;
}

__device__ __forceinline__ float warp_sum_f(float v)
{
    for (int offset = warpSize / 2; offset > 0; offset /= 2)  // HAZARD(warp-size): first step is half of a 32-lane warp
        v += __shfl_down_sync(__activemask(), v, offset);  // HAZARD(warp-size): full 32-lane mask
    return v;
}

// One block per row; half2 loads; fp32 accumulation; rsqrt of the sum of squares.
__global__ void row_inv_norm(const __half* __restrict__ x, float* __restrict__ inv_norm, int cols)
{
    __shared__ float warp_sums[32];  // SAFE(warp-size): one slot per warp, fits any wave size
    const half2* row = reinterpret_cast<const half2*>(x + (size_t)blockIdx.x * cols);
    float acc = 0.0f;
    for (int c = threadIdx.x; c < cols / 2; c += blockDim.x) {
        float2 f = __half22float2(row[c]);
        acc += f.x * f.x + f.y * f.y;
    }
    acc = warp_sum_f(acc);
    int lane = threadIdx.x % warpSize;  // HAZARD(warp-size): lane id assumes 32 lanes
    int warp = threadIdx.x / warpSize;  // HAZARD(warp-size): warp id assumes 32 lanes
    if (lane == 0) warp_sums[warp] = acc;
    __syncthreads();
    if (warp == 0) {
        int nwarps = (blockDim.x + warpSize - 1) / warpSize;  // HAZARD(warp-size): warp count assumes 32 lanes
        float s = lane < nwarps ? warp_sums[lane] : 0.0f;
        s = warp_sum_f(s);
        if (lane == 0) inv_norm[blockIdx.x] = rsqrtf(s + 1e-12f);
    }
}

// Packed half2 sum per warp, written out as float.
__global__ void warp_sums_half2(const half2* __restrict__ v, float2* __restrict__ out, int n2)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    half2 x = i < n2 ? v[i] : __float2half2_rn(0.0f);
    x = warp_sum_h2(x);
    if ((threadIdx.x & (warpSize - 1)) == 0) out[(i) / warpSize] = __half22float2(x);  // HAZARD(warp-size): lane test and warp index assume 32
}

int main()
{
    const int rows = 2048, cols = 1024;
    const size_t elems = (size_t)rows * cols;
    __half* d_x;
    float* d_inv;
    float2* d_ws;
    hipMalloc(&d_x, elems * sizeof(__half));
    hipMalloc(&d_inv, rows * sizeof(float));
    hipMalloc(&d_ws, (elems / 2 / 32) * sizeof(float2));  // HAZARD(warp-size): one output per 32 lanes
    hipMemset(d_x, 0, elems * sizeof(__half));

    row_inv_norm<<<rows, 256>>>(d_x, d_inv, cols);
    const int n2 = static_cast<int>(elems / 2);
    warp_sums_half2<<<(n2 + 255) / 256, 256>>>(reinterpret_cast<const half2*>(d_x), d_ws, n2);
    hipError_t err = hipDeviceSynchronize();
    printf("half2 reductions: %s\n", hipGetErrorString(err));

    hipFree(d_x);
    hipFree(d_inv);
    hipFree(d_ws);
    return err == hipSuccess ? 0 : 1;
}
