// 44_cuda_api_macros.cu
// Exercises: #define macros whose bodies use CUDA APIs and built-ins, so the
// CUDA names appear only inside the macro definition: allocation, copy and
// free wrappers over cudaMalloc/cudaMemcpy/cudaFree, a timing macro over
// cudaEvent*, a grid-stride loop macro over blockIdx/blockDim/gridDim,
// lane/warp id macros, a full-mask macro, and a one-line warp-reduction macro
// over __shfl_down_sync. (Only single-line macros and the last line of a
// multi-line macro carry markers, since "//" before a backslash would
// swallow the next line.)
// Warp-size hazards: in the lane/warp/mask/reduction macros (marked).

#include <cstdio>
#include <cstdlib>
#include <hip/hip_runtime.h>

#define CUDA_CHECK(call)                                                     \
    do {                                                                     \
        hipError_t e__ = (call);                                            \
        if (e__ != hipSuccess) {                                            \
            fprintf(stderr, "%s -> %s\n", #call, hipGetErrorString(e__));   \
            std::abort();                                                    \
        }                                                                    \
    } while (0)

#define DEVICE_ALLOC(ptr, count) CUDA_CHECK(hipMalloc(reinterpret_cast<void**>(&(ptr)), (count) * sizeof(*(ptr))))
#define TO_DEVICE(dst, src, count) CUDA_CHECK(hipMemcpy((dst), (src), (count) * sizeof(*(src)), hipMemcpyHostToDevice))
#define TO_HOST(dst, src, count) CUDA_CHECK(hipMemcpy((dst), (src), (count) * sizeof(*(src)), hipMemcpyDeviceToHost))
#define DEVICE_FREE(ptr) do { CUDA_CHECK(hipFree(ptr)); (ptr) = nullptr; } while (0)
#define SYNC_AND_CHECK() do { CUDA_CHECK(hipGetLastError()); CUDA_CHECK(hipDeviceSynchronize()); } while (0)

#define TIME_GPU(ms_out, ...)                                                \
    do {                                                                     \
        hipEvent_t start__, stop__;                                         \
        CUDA_CHECK(hipEventCreate(&start__));                               \
        CUDA_CHECK(hipEventCreate(&stop__));                                \
        CUDA_CHECK(hipEventRecord(start__));                                \
        __VA_ARGS__;                                                         \
        CUDA_CHECK(hipEventRecord(stop__));                                 \
        CUDA_CHECK(hipEventSynchronize(stop__));                            \
        CUDA_CHECK(hipEventElapsedTime(&(ms_out), start__, stop__));        \
        hipEventDestroy(start__);                                           \
        hipEventDestroy(stop__);                                            \
    } while (0)

#define GRID_STRIDE_LOOP(i, n) \
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += blockDim.x * gridDim.x)

#define FULL_WARP_MASK 0xffffffffffffffffULL  // HAZARD(warp-size): full mask of a 32-lane warp
#define LANE_ID() (threadIdx.x & (warpSize - 1))  // HAZARD(warp-size): lane id assumes 32 lanes
#define WARP_ID() ((threadIdx.x) / warpSize)  // HAZARD(warp-size): warp id via >> 5
#define WARPS_PER_BLOCK() ((blockDim.x + warpSize - 1) / warpSize)  // HAZARD(warp-size): warp count assumes 32 lanes
#define SHFL_BCAST(v, src) __shfl_sync(__activemask(), (v), (src))
#define WARP_REDUCE_SUM(v) \
    for (int o__ = warpSize / 2; o__ > 0; o__ >>= 1) (v) += __shfl_down_sync(__activemask(), (v), o__)  // HAZARD(warp-size): 32-lane tree with full mask

__global__ void block_means(const float* __restrict__ x, float* __restrict__ means, int n)
{
    __shared__ float warp_sums[32];  // SAFE(warp-size): one slot per warp, fits any wave size
    float acc = 0.0f;
    GRID_STRIDE_LOOP(i, n) { acc += x[i]; }
    WARP_REDUCE_SUM(acc);
    if (LANE_ID() == 0) warp_sums[WARP_ID()] = acc;
    __syncthreads();
    if (WARP_ID() == 0) {
        float v = LANE_ID() < WARPS_PER_BLOCK() ? warp_sums[LANE_ID()] : 0.0f;
        WARP_REDUCE_SUM(v);
        v = SHFL_BCAST(v, 0);
        if (LANE_ID() == 0) means[blockIdx.x] = v / n;
    }
}

int main()
{
    const int n = 1 << 20, blocks = 64;
    float* h_x = static_cast<float*>(malloc(n * sizeof(float)));
    for (int i = 0; i < n; ++i) h_x[i] = 1.0f;

    float *d_x = nullptr, *d_means = nullptr;
    DEVICE_ALLOC(d_x, n);
    DEVICE_ALLOC(d_means, blocks);
    TO_DEVICE(d_x, h_x, n);

    float ms = 0.0f;
    TIME_GPU(ms, block_means<<<blocks, 256>>>(d_x, d_means, n));
    SYNC_AND_CHECK();

    float h_means[blocks];
    TO_HOST(h_means, d_means, blocks);
    float total = 0.0f;
    for (int b = 0; b < blocks; ++b) total += h_means[b];
    printf("mean = %f (expect 1.0), kernel %.3f ms\n", total, ms);

    DEVICE_FREE(d_x);
    DEVICE_FREE(d_means);
    free(h_x);
    return 0;
}
