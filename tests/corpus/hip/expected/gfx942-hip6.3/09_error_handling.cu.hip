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
#include <hip/hip_runtime.h>

inline void gpu_assert(hipError_t code, const char* file, int line, bool abort_on_error = true)
{
    if (code != hipSuccess) {
        fprintf(stderr, "GPUassert: %s (%s) %s:%d\n", hipGetErrorString(code),
                hipGetErrorName(code), file, line);
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
    gpuErrchk(hipMalloc(&d_num, n * sizeof(int)));
    gpuErrchk(hipMalloc(&d_den, n * sizeof(int)));
    gpuErrchk(hipMalloc(&d_out, n * sizeof(int)));
    gpuErrchk(hipMemset(d_num, 0, n * sizeof(int)));

    int* h_den = new int[n];
    for (int i = 0; i < n; ++i) h_den[i] = 1 + i % 5;
    gpuErrchk(hipMemcpy(d_den, h_den, n * sizeof(int), hipMemcpyHostToDevice));

    // 1. An invalid configuration: 4096 threads per block is above every limit.
    checked_divide<<<1, 4096>>>(d_num, d_den, d_out, n);
    hipError_t peek = hipPeekAtLastError();   // does not clear the error
    hipError_t last = hipGetLastError();      // clears it
    printf("bad launch -> peek=%s last=%s after=%s\n", hipGetErrorName(peek),
           hipGetErrorName(last), hipGetErrorName(hipGetLastError()));

    // 2. A valid launch; synchronise to surface asynchronous errors.
    checked_divide<<<n / 256, 256>>>(d_num, d_den, d_out, n);
    gpuErrchk(hipGetLastError());
    gpuErrchk(hipDeviceSynchronize());

    // 3. An allocation that cannot succeed is reported, not fatal.
    void* huge = nullptr;
    hipError_t alloc_err = hipMalloc(&huge, size_t(1) << 60);
    if (alloc_err == hipErrorOutOfMemory) {
        printf("cudaMalloc(1 EiB) failed as expected: %s\n", hipGetErrorString(alloc_err));
        hipGetLastError();  // reset the non-sticky error state
    }
    gpuSoftCheck(alloc_err);

    // 4. Freeing a host pointer with cudaFree is an error, too.
    gpuSoftCheck(hipFree(h_den));
    (void)hipGetLastError();

    delete[] h_den;
    gpuErrchk(hipFree(d_num));
    gpuErrchk(hipFree(d_den));
    gpuErrchk(hipFree(d_out));
    gpuErrchk(hipDeviceReset());
    return 0;
}
