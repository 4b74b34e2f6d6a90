// 43_preprocessor_branches.cu
// Exercises: CUDA code in every branch of #if / #ifdef / #elif / #else,
// including branches that are inactive for this build:
//   #if __CUDA_ARCH__ >= 700 / #elif __CUDA_ARCH__ >= 300 / #else (the #elif
//   body uses the pre-CUDA-9 __shfl_down and is never compiled for sm_90);
//   #if __CUDA_ARCH__ < 700 around a pre-Volta atomic fallback;
//   #ifdef USE_LEGACY_SHFL (not defined); #ifndef USE_FAST_MATH;
//   #if CUDART_VERSION < 11000 / #elif CUDART_VERSION < 12000 / #else in host code;
//   #if defined(__CUDA_ARCH__) to split a __host__ __device__ function; and
//   #ifdef __CUDACC__ around a kernel.
// Warp-size hazards: in active and inactive branches alike (marked).

#include <cmath>
#include <cstdio>
#include <hip/hip_runtime.h>

__device__ float warp_sum(float v)
{
#if __CUDA_ARCH__ >= 700
    for (int o = warpSize / 2; o > 0; o >>= 1)  // HAZARD(warp-size): loop starts at half of a 32-lane warp
        v += __shfl_down_sync(__activemask(), v, o);  // HAZARD(warp-size): full 32-lane mask
#elif __CUDA_ARCH__ >= 300
    for (int o = warpSize / 2; o > 0; o >>= 1)  // HAZARD(warp-size): loop starts at half of a 32-lane warp
        v += __shfl_down(v, o);
#else
    __shared__ float scratch[64];  // HAZARD(warp-size): one slot per lane of a 32-lane warp
    int lane = threadIdx.x & (warpSize - 1);  // HAZARD(warp-size): lane id assumes 32 lanes
    scratch[lane] = v;
    for (int o = warpSize / 2; o > 0; o >>= 1) {  // HAZARD(warp-size): tree over 32 lanes
        if (lane < o) scratch[lane] += scratch[lane + o];
    }
    v = scratch[0];
#endif
    return v;
}

__device__ int bounded_increment(int* counter, int limit)
{
#if __CUDA_ARCH__ < 700
    int old = *counter, assumed;
    do {
        assumed = old;
        if (assumed >= limit) return assumed;
        old = atomicCAS(counter, assumed, assumed + 1);
    } while (old != assumed);
    return old;
#else
    unsigned wrapped = atomicInc(reinterpret_cast<unsigned*>(counter), static_cast<unsigned>(limit));
    return static_cast<int>(wrapped);
#endif
}

__device__ float broadcast_first(float v)
{
#ifdef USE_LEGACY_SHFL
    return __shfl(v, 0);
#else
    return __shfl_sync(__activemask(), v, 0);
#endif
}

__host__ __device__ inline float fast_sigmoid(float x)
{
#if defined(__HIP_DEVICE_COMPILE__)
#ifndef USE_FAST_MATH
    return 1.0f / (1.0f + expf(-x));
#else
    return __fdividef(1.0f, 1.0f + __expf(-x));
#endif
#else
    return 1.0f / (1.0f + std::exp(-x));
#endif
}

#ifdef __HIPCC__
__global__ void branches_kernel(const float* in, float* out, int* counter, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float v = i < n ? fast_sigmoid(in[i]) : 0.0f;
    float s = warp_sum(v);
    if (i < n) out[i] = s + broadcast_first(v);
    if ((threadIdx.x & (warpSize - 1)) == 0) bounded_increment(counter, 1 << 20);  // HAZARD(warp-size): first lane via & 31
}
#endif

int main()
{
    const int n = 1 << 16;
    float *d_in, *d_out;
    int* d_counter;
    hipMalloc(&d_in, n * sizeof(float));
    hipMalloc(&d_out, n * sizeof(float));
    hipMalloc(&d_counter, sizeof(int));
    hipMemset(d_in, 0, n * sizeof(float));
    hipMemset(d_counter, 0, sizeof(int));

    branches_kernel<<<n / 256, 256>>>(d_in, d_out, d_counter, n);

#if CUDART_VERSION < 11000
    hipDeviceSynchronize();
    printf("old runtime: used cudaThreadSynchronize\n");
#elif CUDART_VERSION < 12000
    hipDeviceSynchronize();
    hipDeviceSetLimit(hipLimitPrintfFifoSize, 1 << 20);
#else
    hipError_t err = hipStreamSynchronize(hipStreamPerThread);
    if (err == hipSuccess) err = hipDeviceSynchronize();
    printf("runtime %d: %s\n", CUDART_VERSION, hipGetErrorString(err));
#endif

    hipFree(d_in);
    hipFree(d_out);
    hipFree(d_counter);
    return 0;
}
