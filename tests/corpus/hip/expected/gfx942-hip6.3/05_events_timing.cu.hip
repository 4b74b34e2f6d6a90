// 05_events_timing.cu
// Exercises: cudaEventCreate, cudaEventCreateWithFlags (cudaEventDisableTiming),
// cudaEventRecord on a stream, cudaEventSynchronize, cudaEventElapsedTime,
// cudaEventQuery, cudaStreamWaitEvent for a cross-stream dependency, and
// cudaEventDestroy. Times a copy and a kernel separately.
// Warp-size hazards: none.

#include <cstdio>
#include <hip/hip_runtime.h>

#define CUDA_TRY(expr)                                                       \
    do {                                                                     \
        hipError_t status_ = (expr);                                        \
        if (status_ != hipSuccess) {                                        \
            fprintf(stderr, "[%s:%d] %s: %s\n", __FILE__, __LINE__,          \
                    hipGetErrorName(status_), hipGetErrorString(status_)); \
            return 1;                                                        \
        }                                                                    \
    } while (0)

__global__ void busy_kernel(float* out, int iters)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float v = out[i];
    for (int k = 0; k < iters; ++k) v = v * 0.999f + 0.001f;
    out[i] = v;
}

int main()
{
    const int n = 1 << 22;
    float *d_buf = nullptr, *h_buf = nullptr;
    CUDA_TRY(hipMalloc(&d_buf, n * sizeof(float)));
    CUDA_TRY(hipHostMalloc(&h_buf, n * sizeof(float)));

    hipStream_t producer, consumer;
    CUDA_TRY(hipStreamCreate(&producer));
    CUDA_TRY(hipStreamCreate(&consumer));

    hipEvent_t t0, t1, t2, ready;
    CUDA_TRY(hipEventCreate(&t0));
    CUDA_TRY(hipEventCreate(&t1));
    CUDA_TRY(hipEventCreate(&t2));
    CUDA_TRY(hipEventCreateWithFlags(&ready, hipEventDisableTiming));

    CUDA_TRY(hipEventRecord(t0, producer));
    CUDA_TRY(hipMemcpyAsync(d_buf, h_buf, n * sizeof(float), hipMemcpyHostToDevice, producer));
    CUDA_TRY(hipEventRecord(t1, producer));
    CUDA_TRY(hipEventRecord(ready, producer));

    // The consumer stream must not start the kernel before the copy is done.
    CUDA_TRY(hipStreamWaitEvent(consumer, ready, 0));
    busy_kernel<<<n / 512, 512, 0, consumer>>>(d_buf, 64);
    CUDA_TRY(hipGetLastError());
    CUDA_TRY(hipEventRecord(t2, consumer));

    if (hipEventQuery(t2) == hipErrorNotReady) {
        printf("kernel still running, waiting on event\n");
    }
    CUDA_TRY(hipEventSynchronize(t2));

    float copy_ms = 0.0f, total_ms = 0.0f;
    CUDA_TRY(hipEventElapsedTime(&copy_ms, t0, t1));
    CUDA_TRY(hipEventElapsedTime(&total_ms, t0, t2));
    double gbps = (n * sizeof(float)) / (copy_ms * 1.0e6);
    printf("H2D copy: %.3f ms (%.1f GB/s), copy+kernel: %.3f ms\n", copy_ms, gbps, total_ms);

    CUDA_TRY(hipEventDestroy(t0));
    CUDA_TRY(hipEventDestroy(t1));
    CUDA_TRY(hipEventDestroy(t2));
    CUDA_TRY(hipEventDestroy(ready));
    CUDA_TRY(hipStreamDestroy(producer));
    CUDA_TRY(hipStreamDestroy(consumer));
    CUDA_TRY(hipFree(d_buf));
    CUDA_TRY(hipHostFree(h_buf));
    return 0;
}
