// 02_pinned_async_copies.cu
// Exercises: pinned host memory (cudaMallocHost, cudaHostAlloc with
// cudaHostAllocDefault, cudaFreeHost, cudaHostRegister/cudaHostUnregister),
// cudaMemset and cudaMemsetAsync, cudaMemcpyAsync on a stream, a
// device-to-device copy, and cudaStreamSynchronize.
// Warp-size hazards: none.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <hip/hip_runtime.h>

static void check(hipError_t err, const char* what)
{
    if (err != hipSuccess) {
        fprintf(stderr, "%s failed: %s\n", what, hipGetErrorString(err));
        exit(1);
    }
}

__global__ void scale_inplace(float* data, float factor, size_t n)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (; i < n; i += stride) {
        data[i] *= factor;
    }
}

int main()
{
    const size_t n = 4u << 20;
    const size_t bytes = n * sizeof(float);

    float* h_in = nullptr;
    float* h_out = nullptr;
    check(hipHostMalloc(&h_in, bytes), "cudaMallocHost");
    check(hipHostMalloc(reinterpret_cast<void**>(&h_out), bytes, hipHostMallocDefault),
          "cudaHostAlloc");

    // A pageable buffer that is pinned after the fact.
    float* h_extra = static_cast<float*>(malloc(bytes));
    check(hipHostRegister(h_extra, bytes, hipHostRegisterDefault), "cudaHostRegister");

    for (size_t i = 0; i < n; ++i) h_in[i] = 1.0f + (i % 7);

    float *d_a = nullptr, *d_b = nullptr;
    check(hipMalloc(&d_a, bytes), "cudaMalloc d_a");
    check(hipMalloc(&d_b, bytes), "cudaMalloc d_b");
    check(hipMemset(d_b, 0, bytes), "cudaMemset");

    hipStream_t stream;
    check(hipStreamCreate(&stream), "cudaStreamCreate");

    check(hipMemsetAsync(d_a, 0, bytes, stream), "cudaMemsetAsync");
    check(hipMemcpyAsync(d_a, h_in, bytes, hipMemcpyHostToDevice, stream), "H2D");
    scale_inplace<<<256, 256, 0, stream>>>(d_a, 0.5f, n);
    check(hipGetLastError(), "scale_inplace launch");
    check(hipMemcpyAsync(d_b, d_a, bytes, hipMemcpyDeviceToDevice, stream), "D2D");
    check(hipMemcpyAsync(h_out, d_b, bytes, hipMemcpyDeviceToHost, stream), "D2H");
    check(hipMemcpyAsync(h_extra, d_a, bytes, hipMemcpyDefault, stream), "D2H default");
    check(hipStreamSynchronize(stream), "cudaStreamSynchronize");

    size_t bad = 0;
    for (size_t i = 0; i < n; ++i) {
        float expect = 0.5f * (1.0f + (i % 7));
        if (h_out[i] != expect || h_extra[i] != expect) ++bad;
    }
    printf("pinned async round trip: %zu mismatches\n", bad);

    check(hipStreamDestroy(stream), "cudaStreamDestroy");
    check(hipFree(d_a), "cudaFree d_a");
    check(hipFree(d_b), "cudaFree d_b");
    check(hipHostUnregister(h_extra), "cudaHostUnregister");
    free(h_extra);
    check(hipHostFree(h_in), "cudaFreeHost h_in");
    check(hipHostFree(h_out), "cudaFreeHost h_out");
    return bad == 0 ? 0 : 1;
}
