// 04_streams_pipeline.cu
// Exercises: several streams created with cudaStreamCreateWithFlags
// (cudaStreamNonBlocking) and cudaStreamCreateWithPriority, stream priority
// ranges, a chunked copy/compute/copy pipeline where each launch names its
// stream (<<<grid, block, 0, streams[i]>>>), cudaStreamQuery, and the legacy
// default stream (cudaStreamLegacy / stream 0).
// Warp-size hazards: none; SAFE lines where 32 is only a block size.

#include <cstdio>
#include <cuda_runtime.h>

#define CK(call)                                                             \
    do {                                                                     \
        cudaError_t rc = call;                                               \
        if (rc != cudaSuccess) {                                             \
            fprintf(stderr, "error: %s (%s)\n", cudaGetErrorString(rc), #call); \
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
    CK(cudaMallocHost(&h_x, n * sizeof(float)));
    CK(cudaMallocHost(&h_y, n * sizeof(float)));
    CK(cudaMalloc(&d_x, n * sizeof(float)));
    CK(cudaMalloc(&d_y, n * sizeof(float)));
    for (int i = 0; i < n; ++i) { h_x[i] = 1.0f; h_y[i] = 2.0f; }

    int least = 0, greatest = 0;
    CK(cudaDeviceGetStreamPriorityRange(&least, &greatest));

    cudaStream_t streams[kStreams];
    for (int i = 0; i < kStreams; ++i) {
        if (i == 0)
            CK(cudaStreamCreateWithPriority(&streams[i], cudaStreamNonBlocking, greatest));
        else
            CK(cudaStreamCreateWithFlags(&streams[i], cudaStreamNonBlocking));
    }

    for (int i = 0; i < kStreams; ++i) {
        const int off = i * kChunk;
        const size_t bytes = kChunk * sizeof(float);
        CK(cudaMemcpyAsync(d_x + off, h_x + off, bytes, cudaMemcpyHostToDevice, streams[i]));
        CK(cudaMemcpyAsync(d_y + off, h_y + off, bytes, cudaMemcpyHostToDevice, streams[i]));
        saxpy_chunk<<<kChunk / 256, 256, 0, streams[i]>>>(3.0f, d_x + off, d_y + off, kChunk);
        CK(cudaMemcpyAsync(h_y + off, d_y + off, bytes, cudaMemcpyDeviceToHost, streams[i]));
    }

    // Poll the first stream, then wait for all of them.
    cudaError_t q = cudaStreamQuery(streams[0]);
    if (q != cudaSuccess && q != cudaErrorNotReady) {
        fprintf(stderr, "cudaStreamQuery: %s\n", cudaGetErrorString(q));
    }
    for (int i = 0; i < kStreams; ++i) CK(cudaStreamSynchronize(streams[i]));

    // Work on the legacy default stream serialises with blocking streams.
    touch<<<1, 32, 0, cudaStreamLegacy>>>(d_y);  // SAFE(warp-size): 32 is a block size, not a lane count
    touch<<<1, 32, 0, 0>>>(d_y);  // SAFE(warp-size): block of 32 threads touching 32 floats
    CK(cudaDeviceSynchronize());

    printf("y[0] = %.1f (expect 5.0), priorities [%d, %d]\n", h_y[0], least, greatest);

    for (int i = 0; i < kStreams; ++i) CK(cudaStreamDestroy(streams[i]));
    CK(cudaFree(d_x));
    CK(cudaFree(d_y));
    CK(cudaFreeHost(h_x));
    CK(cudaFreeHost(h_y));
    return 0;
}
