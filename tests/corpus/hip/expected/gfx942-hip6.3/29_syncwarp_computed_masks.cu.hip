// 29_syncwarp_computed_masks.cu
// Exercises: __syncwarp() with no argument, with a full literal mask and with
// masks computed at run time (a mask from __ballot_sync over the in-range
// predicate, kept in a const unsigned), shuffles restricted to that computed
// mask inside divergent code, and a per-LANE shared staging array
// __shared__ float stage[8][32] indexed by [warp][lane].
// Warp-size hazards: several (each is marked on its line).

#include <cstdio>
#include <hip/hip_runtime.h>

constexpr int kWarpsPerBlock = 8;

// 3-point stencil inside each warp; lanes past n drop out of the mask.
__global__ void warp_stencil(const float* __restrict__ in, float* __restrict__ out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    const unsigned long long in_range = __ballot_sync(__activemask(), i < n);  // HAZARD(warp-size): ballot kept in 32 bits, full mask
    if (i < n) {
        float v = in[i];
        float left = __shfl_up_sync(static_cast<unsigned long long>(in_range), v, 1);
        float right = __shfl_down_sync(static_cast<unsigned long long>(in_range), v, 1);
        __syncwarp(static_cast<unsigned long long>(in_range));
        out[i] = 0.25f * left + 0.5f * v + 0.25f * right;
    }
    __syncwarp();
}

// Lanes publish to shared memory, then read a rotated neighbour's slot.
__global__ void rotate_through_smem(const float* __restrict__ in, float* __restrict__ out, int shift)
{
    __shared__ float stage[kWarpsPerBlock][64];  // HAZARD(warp-size): one slot per lane of a 32-lane warp
    int lane = threadIdx.x & (warpSize - 1);  // HAZARD(warp-size): lane id assumes 32 lanes
    int warp = threadIdx.x / warpSize;  // HAZARD(warp-size): warp id assumes 32 lanes
    int i = blockIdx.x * blockDim.x + threadIdx.x;

    stage[warp][lane] = in[i];
    __syncwarp(__activemask());  // HAZARD(warp-size): full 32-lane mask
    out[i] = stage[warp][(lane + shift) & (warpSize - 1)];  // HAZARD(warp-size): wraps lane index at 32
}

// Only odd elements participate; they cooperate using their own mask.
__global__ void odd_lanes_sum(const int* __restrict__ in, int* __restrict__ out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    bool odd = (i < n) && (in[i] & 1);
    unsigned long long odd_mask = __ballot_sync(__activemask(), odd);  // HAZARD(warp-size): ballot kept in 32 bits, full mask
    if (odd) {
        int v = in[i];
        int total = 0;
        unsigned long long m = odd_mask;
        while (m) {
            int src = __ffsll(m) - 1;  // HAZARD(warp-size): __ffs of a 32-bit lane mask
            total += __shfl_sync(static_cast<unsigned long long>(odd_mask), v, src);
            m &= m - 1;
        }
        __syncwarp(static_cast<unsigned long long>(odd_mask));
        out[i] = total;
    }
}

int main()
{
    const int n = 1000;
    const int threads = kWarpsPerBlock * 32;  // HAZARD(warp-size): block sized as 8 warps of 32
    const int blocks = (n + threads - 1) / threads;
    const int padded = blocks * threads;

    float *fin, *fout;
    int *iin, *iout;
    hipMalloc(&fin, padded * sizeof(float));
    hipMalloc(&fout, padded * sizeof(float));
    hipMalloc(&iin, padded * sizeof(int));
    hipMalloc(&iout, padded * sizeof(int));
    hipMemset(fin, 0, padded * sizeof(float));
    hipMemset(iin, 0, padded * sizeof(int));

    warp_stencil<<<blocks, threads>>>(fin, fout, n);
    rotate_through_smem<<<blocks, threads>>>(fin, fout, 3);
    odd_lanes_sum<<<blocks, threads>>>(iin, iout, n);
    hipError_t err = hipDeviceSynchronize();
    printf("syncwarp kernels: %s\n", hipGetErrorString(err));

    hipFree(fin); hipFree(fout);
    hipFree(iin); hipFree(iout);
    return err == hipSuccess ? 0 : 1;
}
