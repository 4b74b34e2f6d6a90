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
#include <cuda_runtime.h>

#define CHECK(x)                                                             \
    do {                                                                     \
        cudaError_t e = (x);                                                 \
        if (e != cudaSuccess) {                                              \
            fprintf(stderr, "%s -> %s\n", #x, cudaGetErrorString(e));        \
            return 1;                                                        \
        }                                                                    \
    } while (0)

struct Progress {
    std::atomic<int> batches_done{0};
    int last_status = 0;
};

static void CUDART_CB on_batch_done(void* user)
{
    auto* p = static_cast<Progress*>(user);
    p->batches_done.fetch_add(1);
}

static void CUDART_CB on_stream_status(cudaStream_t, cudaError_t status, void* user)
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
    CHECK(cudaGetDevice(&dev));
    int pools_supported = 0;
    CHECK(cudaDeviceGetAttribute(&pools_supported, cudaDevAttrMemoryPoolsSupported, dev));
    if (!pools_supported) {
        printf("stream-ordered allocator not supported\n");
        return 0;
    }

    cudaMemPool_t pool;
    CHECK(cudaDeviceGetDefaultMemPool(&pool, dev));
    uint64_t threshold = UINT64_MAX;  // keep freed memory cached in the pool
    CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold));

    cudaStream_t s;
    CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    Progress progress;

    const int n = 1 << 20, batches = 8;
    for (int b = 0; b < batches; ++b) {
        float* buf = nullptr;
        CHECK(cudaMallocAsync(reinterpret_cast<void**>(&buf), n * sizeof(float), s));
        CHECK(cudaMemsetAsync(buf, 0, n * sizeof(float), s));
        process_batch<<<(n + 255) / 256, 256, 0, s>>>(buf, n, 0.5f * b);
        CHECK(cudaFreeAsync(buf, s));
        CHECK(cudaLaunchHostFunc(s, on_batch_done, &progress));
    }
    CHECK(cudaStreamAddCallback(s, on_stream_status, &progress, 0));

    uint64_t used = 0;
    CHECK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemCurrent, &used));
    CHECK(cudaStreamSynchronize(s));
    CHECK(cudaMemPoolTrimTo(pool, 0));

    // The per-thread default stream works with the same allocator.
    void* tmp = nullptr;
    CHECK(cudaMallocAsync(&tmp, 4096, cudaStreamPerThread));
    CHECK(cudaFreeAsync(tmp, cudaStreamPerThread));
    CHECK(cudaStreamSynchronize(cudaStreamPerThread));

    printf("batches done: %d, last status %d, pool in use while queued: %llu bytes\n",
           progress.batches_done.load(), progress.last_status, (unsigned long long)used);
    CHECK(cudaStreamDestroy(s));
    return 0;
}
