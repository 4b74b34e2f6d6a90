// 19_warp_reduce_unrolled.cu
// Exercises: fully unrolled warp-shuffle reductions (offsets 16, 8, 4, 2, 1
// written out), the three common spellings of the full mask:
//   #define FULL_MASK 0xffffffff, the literal 0xFFFFFFFFu, and
//   const unsigned mask = 0xffffffff;
// __shfl_down_sync / __shfl_xor_sync on float, int and double, and a dot
// product kernel that writes one partial per warp using tid % 32 and tid / 32.
// Marking rule used here: with a named mask, the definition and the offset-16
// step carry the marker; with a literal mask, every shuffle line does.
// Warp-size hazards: many (each is marked on its line).

#include <cstdio>
#include <hip/hip_runtime.h>

#define FULL_MASK 0xffffffffffffffffULL  // HAZARD(warp-size): full mask of a 32-lane warp

__device__ __forceinline__ float warp_sum_unrolled(float v)
{
    v += __shfl_down_sync(__activemask(), v, 16);  // HAZARD(warp-size): first step assumes 32 lanes
    v += __shfl_down_sync(__activemask(), v, 8);
    v += __shfl_down_sync(__activemask(), v, 4);
    v += __shfl_down_sync(__activemask(), v, 2);
    v += __shfl_down_sync(__activemask(), v, 1);
    return v;
}

__device__ __forceinline__ int warp_max_unrolled(int v)
{
    const unsigned long long mask = 0xffffffffffffffffULL;  // HAZARD(warp-size): 32-bit full lane mask
    v = max(v, __shfl_xor_sync(__activemask(), v, 16));  // HAZARD(warp-size): butterfly starts at 16
    v = max(v, __shfl_xor_sync(__activemask(), v, 8));
    v = max(v, __shfl_xor_sync(__activemask(), v, 4));
    v = max(v, __shfl_xor_sync(__activemask(), v, 2));
    v = max(v, __shfl_xor_sync(__activemask(), v, 1));
    return v;
}

__device__ __forceinline__ double warp_sum_f64(double v)
{
    v += __shfl_down_sync(__activemask(), v, 16);  // HAZARD(warp-size): full mask, first step of 32-lane tree
    v += __shfl_down_sync(__activemask(), v, 8);  // HAZARD(warp-size): full 32-lane mask
    v += __shfl_down_sync(__activemask(), v, 4);  // HAZARD(warp-size): full 32-lane mask
    v += __shfl_down_sync(__activemask(), v, 2);  // HAZARD(warp-size): full 32-lane mask
    v += __shfl_down_sync(__activemask(), v, 1);  // HAZARD(warp-size): full 32-lane mask
    return v;
}

__global__ void dot_partials(const float* a, const float* b, float* warp_partials,
                             double* total, int* maxidx, int n)
{
    int tid = blockIdx.x * blockDim.x + threadIdx.x;
    float prod = tid < n ? a[tid] * b[tid] : 0.0f;
    float s = warp_sum_unrolled(prod);
    double sd = warp_sum_f64(static_cast<double>(prod));
    int best = warp_max_unrolled(tid < n ? tid : -1);

    if (tid % warpSize == 0) {  // HAZARD(warp-size): first lane of a 32-lane warp
        warp_partials[tid / warpSize] = s;  // HAZARD(warp-size): global warp index via / 32
        atomicAdd(total, sd);
        atomicMax(maxidx, best);
    }
}

int main()
{
    const int n = 1 << 18;
    const int threads = 128;
    const int blocks = n / threads;
    float *a, *b, *partials;
    double* total;
    int* maxidx;
    hipMalloc(&a, n * sizeof(float));
    hipMalloc(&b, n * sizeof(float));
    hipMalloc(&partials, (n / 32) * sizeof(float));  // HAZARD(warp-size): one partial per 32 elements
    hipMalloc(&total, sizeof(double));
    hipMalloc(&maxidx, sizeof(int));
    hipMemset(a, 0, n * sizeof(float));
    hipMemset(b, 0, n * sizeof(float));
    hipMemset(total, 0, sizeof(double));
    hipMemset(maxidx, 0, sizeof(int));

    dot_partials<<<blocks, threads>>>(a, b, partials, total, maxidx, n);
    hipError_t e = hipDeviceSynchronize();
    printf("dot_partials: %s\n", hipGetErrorString(e));

    double h_total = 0.0;
    int h_max = 0;
    hipMemcpy(&h_total, total, sizeof(double), hipMemcpyDeviceToHost);
    hipMemcpy(&h_max, maxidx, sizeof(int), hipMemcpyDeviceToHost);
    printf("dot = %f, max index = %d\n", h_total, h_max);

    hipFree(a);
    hipFree(b);
    hipFree(partials);
    hipFree(total);
    hipFree(maxidx);
    return e == hipSuccess ? 0 : 1;
}
