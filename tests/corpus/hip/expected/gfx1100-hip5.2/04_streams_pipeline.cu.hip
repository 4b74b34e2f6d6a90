// 04_streams_pipeline.cu
// Exercises: several streams created with cudaStreamCreateWithFlags
// (cudaStreamNonBlocking) and cudaStreamCreateWithPriority, stream priority
// ranges, a chunked copy/compute/copy pipeline where each launch names its
// stream (<<<grid, block, 0, streams[i]>>>), cudaStreamQuery, and the legacy
// default stream (cudaStreamLegacy / stream 0).
// Warp-size hazards: none; SAFE lines where 32 is only a block size.

#include <cstdio>
#include <hip/hip_runtime.h>

#define CK(call)                                                             \
    do {                                                                     \
        hipError_t rc = call;                                               \
        if (rc != hipSuccess) {                                             \
            fprintf(stderr, "error: %s (%s)\n", hipGetErrorString(rc), #call); \
            return -1;                                                       \
        }                                                                    \
    } while (0)

__global__ void saxpy_chunk(float a, const float* x, float* y, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = a * x[i] + y[i];
}

__global__ void touch(float* p) { p[threadIdx.x] += 1.0f; }

int main()
{
    constexpr int kStreams = 4;
    constexpr int kChunk = 1 << 18;
    const int n = kStreams * kChunk;

    float *h_x, *h_y, *d_x, *d_y;
    CK(hipHostMalloc(&h_x, n * sizeof(float)));
    CK(hipHostMalloc(&h_y, n * sizeof(float)));
    CK(hipMalloc(&d_x, n * sizeof(float)));
    CK(hipMalloc(&d_y, n * sizeof(float)));
    for (int i = 0; i < n; ++i) { h_x[i] = 1.0f; h_y[i] = 2.0f; }

    int least = 0, greatest = 0;
    CK(hipDeviceGetStreamPriorityRange(&least, &greatest));

    hipStream_t streams[kStreams];
    for (int i = 0; i < kStreams; ++i) {
        if (i == 0)
            CK(hipStreamCreateWithPriority(&streams[i], hipStreamNonBlocking, greatest));
        else
            CK(hipStreamCreateWithFlags(&streams[i], hipStreamNonBlocking));
    }

    for (int i = 0; i < kStreams; ++i) {
        const int off = i * kChunk;
        const size_t bytes = kChunk * sizeof(float);
        CK(hipMemcpyAsync(d_x + off, h_x + off, bytes, hipMemcpyHostToDevice, streams[i]));
        CK(hipMemcpyAsync(d_y + off, h_y + off, bytes, hipMemcpyHostToDevice, streams[i]));
        saxpy_chunk<<<kChunk / 256, 256, 0, streams[i]>>>(3.0f, d_x + off, d_y + off, kChunk);
        CK(hipMemcpyAsync(h_y + off, d_y + off, bytes, hipMemcpyDeviceToHost, streams[i]));
    }

    // Poll the first stream, then wait for all of them.
    hipError_t q = hipStreamQuery(streams[0]);
    if (q != hipSuccess && q != hipErrorNotReady) {
        fprintf(stderr, "cudaStreamQuery: %s\n", hipGetErrorString(q));
    }
    for (int i = 0; i < kStreams; ++i) CK(hipStreamSynchronize(streams[i]));

    // Work on the legacy default stream serialises with blocking streams.
    touch<<<1, 32, 0, ((hipStream_t)0)>>>(d_y);  // SAFE(warp-size): 32 is a block size, not a lane count
    touch<<<1, 32, 0, 0>>>(d_y);  // SAFE(warp-size): block of 32 threads touching 32 floats
    CK(hipDeviceSynchronize());

    printf("y[0] = %.1f (expect 5.0), priorities [%d, %d]\n", h_y[0], least, greatest);

    for (int i = 0; i < kStreams; ++i) CK(hipStreamDestroy(streams[i]));
    CK(hipFree(d_x));
    CK(hipFree(d_y));
    CK(hipHostFree(h_x));
    CK(hipHostFree(h_y));
    return 0;
}
