// 18_warp_reduce_shfl_loop.cu
// Exercises: warp-shuffle reductions in loop form:
//   for (int offset = 16; offset > 0; offset /= 2) with __shfl_down_sync and a
//   literal full mask 0xffffffff; a butterfly max with __shfl_xor_sync and
//   "mask >>= 1"; an integer min with "offset >>= 1"; lane ids from
//   threadIdx.x & 31 and warp ids from threadIdx.x >> 5; one atomicAdd per warp;
//   and host code that sizes a per-warp output from threads / 32.
// Warp-size hazards: many (each is marked on its line).

#include <cfloat>
#include <climits>
#include <cstdio>
#include <hip/hip_runtime.h>

__device__ __forceinline__ float warp_sum(float v)
{
    for (int offset = warpSize / 2; offset > 0; offset /= 2)  // HAZARD(warp-size): first step is half of a 32-lane warp
        v += __shfl_down_sync(__activemask(), v, offset);  // HAZARD(warp-size): full 32-lane mask
    return v;
}

__device__ __forceinline__ float warp_max(float v)
{
#pragma unroll
    for (int mask = warpSize / 2; mask >= 1; mask >>= 1)  // HAZARD(warp-size): butterfly over 32 lanes only
        v = fmaxf(v, __shfl_xor_sync(__activemask(), v, mask));  // HAZARD(warp-size): full 32-lane mask
    return v;
}

__device__ __forceinline__ int warp_min(int v)
{
    for (int offset = warpSize / 2; offset; offset >>= 1) {  // HAZARD(warp-size): starts at 16 for a 32-lane warp
        int other = __shfl_down_sync(__activemask(), v, offset);  // HAZARD(warp-size): full 32-lane mask
        v = min(v, other);
    }
    return v;
}

__global__ void reduce_sum_atomic(const float* in, float* total, int n)
{
    float v = 0.0f;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        v += in[i];
    v = warp_sum(v);
    if ((threadIdx.x & (warpSize - 1)) == 0) atomicAdd(total, v);  // HAZARD(warp-size): lane 0 test via & 31
}

// One output per warp: the max and the min of the warp's 32 inputs.
__global__ void per_warp_extrema(const float* in, float* wmax, int* wmin, int n)
{
    int gid = blockIdx.x * blockDim.x + threadIdx.x;
    int lane = threadIdx.x & (warpSize - 1);  // HAZARD(warp-size): lane id assumes 32 lanes
    int warp_in_block = (threadIdx.x) / warpSize;  // HAZARD(warp-size): warp id via >> 5
    int warps_per_block = (blockDim.x) / warpSize;  // HAZARD(warp-size): warp count via >> 5
    int gwarp = blockIdx.x * warps_per_block + warp_in_block;

    float x = gid < n ? in[gid] : -FLT_MAX;
    int xi = gid < n ? __float2int_rz(x) : INT_MAX;
    float m = warp_max(x);
    int mi = warp_min(xi);
    if (lane == 0) {
        wmax[gwarp] = m;
        wmin[gwarp] = mi;
    }
}

int main()
{
    const int n = 1 << 20;
    const int threads = 256;
    const int blocks = (n + threads - 1) / threads;
    const int num_warps = blocks * threads / 64;  // HAZARD(warp-size): host-side warp count

    float *d_in, *d_total, *d_wmax;
    int* d_wmin;
    hipMalloc(&d_in, n * sizeof(float));
    hipMalloc(&d_total, sizeof(float));
    hipMalloc(&d_wmax, num_warps * sizeof(float));
    hipMalloc(&d_wmin, num_warps * sizeof(int));

    float* h_in = new float[n];
    for (int i = 0; i < n; ++i) h_in[i] = (i % 100) * 0.01f;
    hipMemcpy(d_in, h_in, n * sizeof(float), hipMemcpyHostToDevice);
    hipMemset(d_total, 0, sizeof(float));

    reduce_sum_atomic<<<160, threads>>>(d_in, d_total, n);
    per_warp_extrema<<<blocks, threads>>>(d_in, d_wmax, d_wmin, n);
    if (hipDeviceSynchronize() != hipSuccess) {
        printf("kernel error: %s\n", hipGetErrorString(hipGetLastError()));
        return 1;
    }

    float total = 0.0f, first_max = 0.0f;
    hipMemcpy(&total, d_total, sizeof(float), hipMemcpyDeviceToHost);
    hipMemcpy(&first_max, d_wmax, sizeof(float), hipMemcpyDeviceToHost);
    printf("sum = %.2f, max of warp 0 = %.2f, %d warps\n", total, first_max, num_warps);

    delete[] h_in;
    hipFree(d_in);
    hipFree(d_total);
    hipFree(d_wmax);
    hipFree(d_wmin);
    return 0;
}
