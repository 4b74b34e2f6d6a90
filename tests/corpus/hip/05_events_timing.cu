// 05_events_timing.cu
// Exercises: cudaEventCreate, cudaEventCreateWithFlags (cudaEventDisableTiming),
// cudaEventRecord on a stream, cudaEventSynchronize, cudaEventElapsedTime,
// cudaEventQuery, cudaStreamWaitEvent for a cross-stream dependency, and
// cudaEventDestroy. Times a copy and a kernel separately.
// Warp-size hazards: none.

#include <cstdio>
#include <cuda_runtime.h>

#define CUDA_TRY(expr)                                                       \
    do {                                                                     \
        cudaError_t status_ = (expr);                                        \
        if (status_ != cudaSuccess) {                                        \
            fprintf(stderr, "[%s:%d] %s: %s\n", __FILE__, __LINE__,          \
                    cudaGetErrorName(status_), cudaGetErrorString(status_)); \
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
    CUDA_TRY(cudaMalloc(&d_buf, n * sizeof(float)));
    CUDA_TRY(cudaMallocHost(&h_buf, n * sizeof(float)));

    cudaStream_t producer, consumer;
    CUDA_TRY(cudaStreamCreate(&producer));
    CUDA_TRY(cudaStreamCreate(&consumer));

    cudaEvent_t t0, t1, t2, ready;
    CUDA_TRY(cudaEventCreate(&t0));
    CUDA_TRY(cudaEventCreate(&t1));
    CUDA_TRY(cudaEventCreate(&t2));
    CUDA_TRY(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming));

    CUDA_TRY(cudaEventRecord(t0, producer));
    CUDA_TRY(cudaMemcpyAsync(d_buf, h_buf, n * sizeof(float), cudaMemcpyHostToDevice, producer));
    CUDA_TRY(cudaEventRecord(t1, producer));
    CUDA_TRY(cudaEventRecord(ready, producer));

    // The consumer stream must not start the kernel before the copy is done.
    CUDA_TRY(cudaStreamWaitEvent(consumer, ready, 0));
    busy_kernel<<<n / 512, 512, 0, consumer>>>(d_buf, 64);
    CUDA_TRY(cudaGetLastError());
    CUDA_TRY(cudaEventRecord(t2, consumer));

    if (cudaEventQuery(t2) == cudaErrorNotReady) {
        printf("kernel still running, waiting on event\n");
    }
    CUDA_TRY(cudaEventSynchronize(t2));

    float copy_ms = 0.0f, total_ms = 0.0f;
    CUDA_TRY(cudaEventElapsedTime(&copy_ms, t0, t1));
    CUDA_TRY(cudaEventElapsedTime(&total_ms, t0, t2));
    double gbps = (n * sizeof(float)) / (copy_ms * 1.0e6);
    printf("H2D copy: %.3f ms (%.1f GB/s), copy+kernel: %.3f ms\n", copy_ms, gbps, total_ms);

    CUDA_TRY(cudaEventDestroy(t0));
    CUDA_TRY(cudaEventDestroy(t1));
    CUDA_TRY(cudaEventDestroy(t2));
    CUDA_TRY(cudaEventDestroy(ready));
    CUDA_TRY(cudaStreamDestroy(producer));
    CUDA_TRY(cudaStreamDestroy(consumer));
    CUDA_TRY(cudaFree(d_buf));
    CUDA_TRY(cudaFreeHost(h_buf));
    return 0;
}
