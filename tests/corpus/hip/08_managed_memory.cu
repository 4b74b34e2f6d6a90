// 08_managed_memory.cu
// Exercises: unified/managed memory: cudaMallocManaged with
// cudaMemAttachGlobal, cudaMemAdvise (SetReadMostly, SetPreferredLocation,
// SetAccessedBy), cudaMemPrefetchAsync to the device and back to the host,
// the cudaDevAttrConcurrentManagedAccess attribute, and a __managed__ global.
// CUDA 13 changed the prefetch/advise signatures to take a cudaMemLocation,
// so both forms appear under #if CUDART_VERSION (the old one is inactive here).
// Warp-size hazards: none.

#include <cstdio>
#include <cuda_runtime.h>

#define CHECK(x)                                                             \
    do {                                                                     \
        cudaError_t e = (x);                                                 \
        if (e != cudaSuccess) {                                              \
            fprintf(stderr, "%s: %s\n", #x, cudaGetErrorString(e));          \
            return 1;                                                        \
        }                                                                    \
    } while (0)

__managed__ int g_hits = 0;

__global__ void square_and_count(const float* in, float* out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[i] = in[i] * in[i];
        if (out[i] > 100.0f) atomicAdd(&g_hits, 1);
    }
}

int main()
{
    int dev = 0;
    CHECK(cudaGetDevice(&dev));
    int concurrent = 0;
    CHECK(cudaDeviceGetAttribute(&concurrent, cudaDevAttrConcurrentManagedAccess, dev));

    const int n = 1 << 20;
    const size_t bytes = n * sizeof(float);
    float *in = nullptr, *out = nullptr;
    CHECK(cudaMallocManaged(&in, bytes, cudaMemAttachGlobal));
    CHECK(cudaMallocManaged(&out, bytes));

    for (int i = 0; i < n; ++i) in[i] = static_cast<float>(i % 20);

    cudaStream_t s;
    CHECK(cudaStreamCreate(&s));

#if CUDART_VERSION >= 13000
    cudaMemLocation dev_loc = {};
    dev_loc.type = cudaMemLocationTypeDevice;
    dev_loc.id = dev;
    cudaMemLocation host_loc = {};
    host_loc.type = cudaMemLocationTypeHost;
    host_loc.id = 0;
    CHECK(cudaMemAdvise(in, bytes, cudaMemAdviseSetReadMostly, dev_loc));
    CHECK(cudaMemAdvise(out, bytes, cudaMemAdviseSetPreferredLocation, dev_loc));
    CHECK(cudaMemAdvise(out, bytes, cudaMemAdviseSetAccessedBy, host_loc));
    if (concurrent) {
        CHECK(cudaMemPrefetchAsync(in, bytes, dev_loc, 0, s));
        CHECK(cudaMemPrefetchAsync(out, bytes, dev_loc, 0, s));
    }
#else
    CHECK(cudaMemAdvise(in, bytes, cudaMemAdviseSetReadMostly, dev));
    CHECK(cudaMemAdvise(out, bytes, cudaMemAdviseSetPreferredLocation, dev));
    CHECK(cudaMemAdvise(out, bytes, cudaMemAdviseSetAccessedBy, cudaCpuDeviceId));
    if (concurrent) {
        CHECK(cudaMemPrefetchAsync(in, bytes, dev, s));
        CHECK(cudaMemPrefetchAsync(out, bytes, dev, s));
    }
#endif

    square_and_count<<<(n + 255) / 256, 256, 0, s>>>(in, out, n);
    CHECK(cudaGetLastError());

#if CUDART_VERSION >= 13000
    if (concurrent) CHECK(cudaMemPrefetchAsync(out, bytes, host_loc, 0, s));
#else
    if (concurrent) CHECK(cudaMemPrefetchAsync(out, bytes, cudaCpuDeviceId, s));
#endif
    CHECK(cudaStreamSynchronize(s));

    double sum = 0.0;
    for (int i = 0; i < n; ++i) sum += out[i];
    printf("sum of squares = %.0f, values above 100: %d\n", sum, g_hits);

    CHECK(cudaStreamDestroy(s));
    CHECK(cudaFree(in));
    CHECK(cudaFree(out));
    return 0;
}
