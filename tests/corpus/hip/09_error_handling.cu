// 09_error_handling.cu
// Exercises: error handling: cudaGetLastError vs cudaPeekAtLastError,
// cudaGetErrorString and cudaGetErrorName, a checking function plus a macro
// that records file/line, a deliberately invalid launch configuration
// (too many threads per block) whose error is caught, sticky vs non-sticky
// errors, cudaErrorMemoryAllocation from an oversized cudaMalloc, and
// device-side assert() / printf.
// Warp-size hazards: none.

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

inline void gpu_assert(cudaError_t code, const char* file, int line, bool abort_on_error = true)
{
    if (code != cudaSuccess) {
        fprintf(stderr, "GPUassert: %s (%s) %s:%d\n", cudaGetErrorString(code),
                cudaGetErrorName(code), file, line);
        if (abort_on_error) exit(static_cast<int>(code));
    }
}
#define gpuErrchk(ans) gpu_assert((ans), __FILE__, __LINE__)
#define gpuSoftCheck(ans) gpu_assert((ans), __FILE__, __LINE__, false)

__global__ void checked_divide(const int* num, const int* den, int* out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    assert(den[i] != 0 && "denominator must be non-zero");
    if (den[i] < 0) printf("thread %d: negative denominator %d\n", i, den[i]);
    out[i] = num[i] / den[i];
}

int main()
{
    const int n = 1024;
    int *d_num, *d_den, *d_out;
    gpuErrchk(cudaMalloc(&d_num, n * sizeof(int)));
    gpuErrchk(cudaMalloc(&d_den, n * sizeof(int)));
    gpuErrchk(cudaMalloc(&d_out, n * sizeof(int)));
    gpuErrchk(cudaMemset(d_num, 0, n * sizeof(int)));

    int* h_den = new int[n];
    for (int i = 0; i < n; ++i) h_den[i] = 1 + i % 5;
    gpuErrchk(cudaMemcpy(d_den, h_den, n * sizeof(int), cudaMemcpyHostToDevice));

    // 1. An invalid configuration: 4096 threads per block is above every limit.
    checked_divide<<<1, 4096>>>(d_num, d_den, d_out, n);
    cudaError_t peek = cudaPeekAtLastError();   // does not clear the error
    cudaError_t last = cudaGetLastError();      // clears it
    printf("bad launch -> peek=%s last=%s after=%s\n", cudaGetErrorName(peek),
           cudaGetErrorName(last), cudaGetErrorName(cudaGetLastError()));

    // 2. A valid launch; synchronise to surface asynchronous errors.
    checked_divide<<<n / 256, 256>>>(d_num, d_den, d_out, n);
    gpuErrchk(cudaGetLastError());
    gpuErrchk(cudaDeviceSynchronize());

    // 3. An allocation that cannot succeed is reported, not fatal.
    void* huge = nullptr;
    cudaError_t alloc_err = cudaMalloc(&huge, size_t(1) << 60);
    if (alloc_err == cudaErrorMemoryAllocation) {
        printf("cudaMalloc(1 EiB) failed as expected: %s\n", cudaGetErrorString(alloc_err));
        cudaGetLastError();  // reset the non-sticky error state
    }
    gpuSoftCheck(alloc_err);

    // 4. Freeing a host pointer with cudaFree is an error, too.
    gpuSoftCheck(cudaFree(h_den));
    (void)cudaGetLastError();

    delete[] h_den;
    gpuErrchk(cudaFree(d_num));
    gpuErrchk(cudaFree(d_den));
    gpuErrchk(cudaFree(d_out));
    gpuErrchk(cudaDeviceReset());
    return 0;
}
