// 54_host_callbacks_mempool.cu
// Exercises: host work ordered into a stream with cudaLaunchHostFunc and the
// older cudaStreamAddCallback (with its cudaError_t status argument); the
// stream-ordered allocator: cudaMallocAsync / cudaFreeAsync,
// cudaDeviceGetDefaultMemPool, cudaMemPoolSetAttribute with
// cudaMemPoolAttrReleaseThreshold, cudaMemPoolGetAttribute
// (cudaMemPoolAttrUsedMemCurrent) and cudaMemPoolTrimTo; plus cudaStreamPerThread.
// Warp-size hazards: none.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <hip/hip_runtime.h>

#define CHECK(x)                                                             \
    do {                                                                     \
        hipError_t e = (x);                                                 \
        if (e != hipSuccess) {                                              \
            fprintf(stderr, "%s -> %s\n", #x, hipGetErrorString(e));        \
            return 1;                                                        \
        }                                                                    \
    } while (0)

struct Progress {
    std::atomic<int> batches_done{0};
    int last_status = 0;
};

static void  on_batch_done(void* user)
{
    auto* p = static_cast<Progress*>(user);
    p->batches_done.fetch_add(1);
}

static void  on_stream_status(hipStream_t, hipError_t status, void* user)
{
    static_cast<Progress*>(user)->last_status = static_cast<int>(status);
}

__global__ void process_batch(float* buf, int n, float scale)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) buf[i] = buf[i] * scale + 1.0f;
}

int main()
{
    int dev = 0;
    CHECK(hipGetDevice(&dev));
    int pools_supported = 0;
    CHECK(hipDeviceGetAttribute(&pools_supported, hipDeviceAttributeMemoryPoolsSupported, dev));
    if (!pools_supported) {
        printf("stream-ordered allocator not supported\n");
        return 0;
    }

    hipMemPool_t pool;
    CHECK(hipDeviceGetDefaultMemPool(&pool, dev));
    uint64_t threshold = UINT64_MAX;  // keep freed memory cached in the pool
    CHECK(hipMemPoolSetAttribute(pool, hipMemPoolAttrReleaseThreshold, &threshold));

    hipStream_t s;
    CHECK(hipStreamCreateWithFlags(&s, hipStreamNonBlocking));
    Progress progress;

    const int n = 1 << 20, batches = 8;
    for (int b = 0; b < batches; ++b) {
        float* buf = nullptr;
        CHECK(hipMallocAsync(reinterpret_cast<void**>(&buf), n * sizeof(float), s));
        CHECK(hipMemsetAsync(buf, 0, n * sizeof(float), s));
        process_batch<<<(n + 255) / 256, 256, 0, s>>>(buf, n, 0.5f * b);
        CHECK(hipFreeAsync(buf, s));
        CHECK(hipLaunchHostFunc(s, on_batch_done, &progress));
    }
    CHECK(hipStreamAddCallback(s, on_stream_status, &progress, 0));

    uint64_t used = 0;
    CHECK(hipMemPoolGetAttribute(pool, hipMemPoolAttrUsedMemCurrent, &used));
    CHECK(hipStreamSynchronize(s));
    CHECK(hipMemPoolTrimTo(pool, 0));

    // The per-thread default stream works with the same allocator.
    void* tmp = nullptr;
    CHECK(hipMallocAsync(&tmp, 4096, hipStreamPerThread));
    CHECK(hipFreeAsync(tmp, hipStreamPerThread));
    CHECK(hipStreamSynchronize(hipStreamPerThread));

    printf("batches done: %d, last status %d, pool in use while queued: %llu bytes\n",
           progress.batches_done.load(), progress.last_status, (unsigned long long)used);
    CHECK(hipStreamDestroy(s));
    return 0;
}
