// 10_device_properties.cu
// Exercises: device enumeration and queries: cudaGetDeviceCount, cudaSetDevice,
// cudaGetDeviceProperties (name, warpSize, SM count, shared memory limits,
// compute capability), cudaDeviceGetAttribute for individual attributes,
// cudaDriverGetVersion / cudaRuntimeGetVersion, cudaMemGetInfo, and
// cudaDeviceSetCacheConfig. Sizes a launch from the queried warpSize instead
// of a literal.
// Warp-size hazards: none (the warp size is read from the device).

#include <cstdio>
#include <hip/hip_runtime.h>

#define CHECK(call)                                                          \
    do {                                                                     \
        hipError_t e = (call);                                              \
        if (e != hipSuccess) {                                              \
            fprintf(stderr, "%s -> %s\n", #call, hipGetErrorString(e));     \
            return 1;                                                        \
        }                                                                    \
    } while (0)

__global__ void write_ids(int* out)
{
    out[blockIdx.x * blockDim.x + threadIdx.x] = threadIdx.x;
}

int main()
{
    int count = 0;
    CHECK(hipGetDeviceCount(&count));
    if (count == 0) {
        printf("no CUDA device found\n");
        return 0;
    }

    int driver = 0, runtime = 0;
    CHECK(hipDriverGetVersion(&driver));
    CHECK(hipRuntimeGetVersion(&runtime));
    printf("driver %d, runtime %d, %d device(s)\n", driver, runtime, count);

    for (int d = 0; d < count; ++d) {
        hipDeviceProp_t prop;
        CHECK(hipGetDeviceProperties(&prop, d));
        int clock_khz = 0, l2 = 0, coop = 0, smem_optin = 0;
        CHECK(hipDeviceGetAttribute(&clock_khz, hipDeviceAttributeClockRate, d));
        CHECK(hipDeviceGetAttribute(&l2, hipDeviceAttributeL2CacheSize, d));
        CHECK(hipDeviceGetAttribute(&coop, hipDeviceAttributeCooperativeLaunch, d));
        CHECK(hipDeviceGetAttribute(&smem_optin, hipDeviceAttributeSharedMemPerBlockOptin, d));
        printf("[%d] %s sm_%d%d, %d SMs, warpSize %d, %d MHz\n", d, prop.name, prop.major,
               prop.minor, prop.multiProcessorCount, prop.warpSize, clock_khz / 1000);
        printf("     smem/block %zu (opt-in %d), regs/block %d, L2 %d KiB, coop=%d\n",
               prop.sharedMemPerBlock, smem_optin, prop.regsPerBlock, l2 / 1024, coop);
        printf("     max threads/block %d, max grid %d x %d x %d, global %zu MiB\n",
               prop.maxThreadsPerBlock, prop.maxGridSize[0], prop.maxGridSize[1],
               prop.maxGridSize[2], prop.totalGlobalMem >> 20);
    }

    CHECK(hipSetDevice(0));
    CHECK(hipDeviceSetCacheConfig(hipFuncCachePreferShared));

    size_t free_b = 0, total_b = 0;
    CHECK(hipMemGetInfo(&free_b, &total_b));
    printf("device 0: %zu of %zu MiB free\n", free_b >> 20, total_b >> 20);

    // Launch one block of eight warps, whatever the warp size is.
    int warp = 0;
    CHECK(hipDeviceGetAttribute(&warp, hipDeviceAttributeWarpSize, 0));
    const int threads = 8 * warp;
    int* d_ids = nullptr;
    CHECK(hipMalloc(&d_ids, threads * sizeof(int)));
    write_ids<<<1, threads>>>(d_ids);
    CHECK(hipGetLastError());
    CHECK(hipDeviceSynchronize());
    CHECK(hipFree(d_ids));
    return 0;
}
