// 08_managed_memory.cu
// Exercises: unified/managed memory: cudaMallocManaged with
// cudaMemAttachGlobal, cudaMemAdvise (SetReadMostly, SetPreferredLocation,
// SetAccessedBy), cudaMemPrefetchAsync to the device and back to the host,
// the cudaDevAttrConcurrentManagedAccess attribute, and a __managed__ global.
// CUDA 13 changed the prefetch/advise signatures to take a cudaMemLocation,
// so both forms appear under #if CUDART_VERSION (the old one is inactive here).
// Warp-size hazards: none.

#include <cstdio>
#include <hip/hip_runtime.h>

#define CHECK(x)                                                             \
    do {                                                                     \
        hipError_t e = (x);                                                 \
        if (e != hipSuccess) {                                              \
            fprintf(stderr, "%s: %s\n", #x, hipGetErrorString(e));          \
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
    CHECK(hipGetDevice(&dev));
    int concurrent = 0;
    CHECK(hipDeviceGetAttribute(&concurrent, hipDeviceAttributeConcurrentManagedAccess, dev));

    const int n = 1 << 20;
    const size_t bytes = n * sizeof(float);
    float *in = nullptr, *out = nullptr;
    CHECK(hipMallocManaged(&in, bytes, hipMemAttachGlobal));
    CHECK(hipMallocManaged(&out, bytes));

    for (int i = 0; i < n; ++i) in[i] = static_cast<float>(i % 20);

    hipStream_t s;
    CHECK(hipStreamCreate(&s));

#if CUDART_VERSION >= 13000
    hipMemLocation dev_loc = {};
    dev_loc.type = hipMemLocationTypeDevice;
    dev_loc.id = dev;
    hipMemLocation host_loc = {};
    host_loc.type = cudaMemLocationTypeHost;
    host_loc.id = 0;
    CHECK(hipMemAdvise(in, bytes, hipMemAdviseSetReadMostly, (dev_loc).type == hipMemLocationTypeDevice ? (dev_loc).id : hipCpuDeviceId));
    CHECK(hipMemAdvise(out, bytes, hipMemAdviseSetPreferredLocation, (dev_loc).type == hipMemLocationTypeDevice ? (dev_loc).id : hipCpuDeviceId));
    CHECK(hipMemAdvise(out, bytes, hipMemAdviseSetAccessedBy, (host_loc).type == hipMemLocationTypeDevice ? (host_loc).id : hipCpuDeviceId));
    if (concurrent) {
        CHECK(hipMemPrefetchAsync(in, bytes, (dev_loc).type == hipMemLocationTypeDevice ? (dev_loc).id : hipCpuDeviceId, s));
        CHECK(hipMemPrefetchAsync(out, bytes, (dev_loc).type == hipMemLocationTypeDevice ? (dev_loc).id : hipCpuDeviceId, s));
    }
#else
    CHECK(hipMemAdvise(in, bytes, hipMemAdviseSetReadMostly, dev));
    CHECK(hipMemAdvise(out, bytes, hipMemAdviseSetPreferredLocation, dev));
    CHECK(hipMemAdvise(out, bytes, hipMemAdviseSetAccessedBy, hipCpuDeviceId));
    if (concurrent) {
        CHECK(hipMemPrefetchAsync(in, bytes, dev, s));
        CHECK(hipMemPrefetchAsync(out, bytes, dev, s));
    }
#endif

    hipLaunchKernelGGL(square_and_count, dim3((n + 255) / 256), dim3(256), 0, s, in, out, n);
    CHECK(hipGetLastError());

#if CUDART_VERSION >= 13000
    if (concurrent) CHECK(hipMemPrefetchAsync(out, bytes, (host_loc).type == hipMemLocationTypeDevice ? (host_loc).id : hipCpuDeviceId, s));
#else
    if (concurrent) CHECK(hipMemPrefetchAsync(out, bytes, hipCpuDeviceId, s));
#endif
    CHECK(hipStreamSynchronize(s));

    double sum = 0.0;
    for (int i = 0; i < n; ++i) sum += out[i];
    printf("sum of squares = %.0f, values above 100: %d\n", sum, g_hits);

    CHECK(hipStreamDestroy(s));
    CHECK(hipFree(in));
    CHECK(hipFree(out));
    return 0;
}
