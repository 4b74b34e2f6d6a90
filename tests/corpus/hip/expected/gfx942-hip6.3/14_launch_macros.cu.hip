// 14_launch_macros.cu
// Exercises: kernel launches hidden inside #define macros: a variadic LAUNCH
// macro that expands to kernel<<<...>>>(__VA_ARGS__), a macro that launches
// and checks, a macro taking the stream as a parameter, a macro that builds
// the grid with a CEIL_DIV helper macro, and a templated launch inside a
// macro. Macro bodies also call cudaGetLastError / cudaStreamSynchronize.
// Warp-size hazards: none.

#include <cstdio>
#include <cstdlib>
#include <hip/hip_runtime.h>

#define CEIL_DIV(a, b) (((a) + (b) - 1) / (b))

#define CUDA_CHECK(expr)                                                     \
    do {                                                                     \
        hipError_t _e = (expr);                                             \
        if (_e != hipSuccess) {                                             \
            fprintf(stderr, "%s failed: %s\n", #expr, hipGetErrorString(_e)); \
            std::exit(1);                                                    \
        }                                                                    \
    } while (0)

// Launch with an explicit grid and block.
#define LAUNCH(kernel, grid, block, ...) kernel<<<(grid), (block)>>>(__VA_ARGS__)

// Launch on a stream with a 1D grid that covers n elements, then check.
#define LAUNCH_1D_STREAM(kernel, n, block, stream, ...)                      \
    do {                                                                     \
        kernel<<<CEIL_DIV((n), (block)), (block), 0, (stream)>>>(__VA_ARGS__); \
        CUDA_CHECK(hipGetLastError());                                      \
    } while (0)

// Launch, then synchronise the stream so errors surface at the call site.
#define LAUNCH_SYNC(kernel, grid, block, smem, stream, ...)                  \
    do {                                                                     \
        kernel<<<grid, block, smem, stream>>>(__VA_ARGS__);                  \
        CUDA_CHECK(hipGetLastError());                                      \
        CUDA_CHECK(hipStreamSynchronize(stream));                           \
    } while (0)

#define LAUNCH_TYPED(T, BS, n, ...) fill_typed<T, BS><<<CEIL_DIV(n, BS), BS>>>(__VA_ARGS__)

__global__ void iota(int* out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = i;
}

__global__ void add_one(int* out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] += 1;
}

template <typename T, int BS>
__global__ void fill_typed(T* out, T value, int n)
{
    int i = blockIdx.x * BS + threadIdx.x;
    if (i < n) out[i] = value;
}

int main()
{
    const int n = 5000;
    int* d = nullptr;
    double* dd = nullptr;
    CUDA_CHECK(hipMalloc(&d, n * sizeof(int)));
    CUDA_CHECK(hipMalloc(&dd, n * sizeof(double)));
    hipStream_t s;
    CUDA_CHECK(hipStreamCreate(&s));

    LAUNCH(iota, CEIL_DIV(n, 128), 128, d, n);
    CUDA_CHECK(hipGetLastError());
    LAUNCH_1D_STREAM(add_one, n, 256, s, d, n);
    LAUNCH_SYNC(add_one, dim3(CEIL_DIV(n, 64)), dim3(64), 0, s, d, n);
    LAUNCH_TYPED(double, 256, n, dd, 3.5, n);
    CUDA_CHECK(hipDeviceSynchronize());

    int last = 0;
    CUDA_CHECK(hipMemcpy(&last, d + n - 1, sizeof(int), hipMemcpyDeviceToHost));
    printf("last = %d (expect %d)\n", last, n + 1);

    CUDA_CHECK(hipStreamDestroy(s));
    CUDA_CHECK(hipFree(d));
    CUDA_CHECK(hipFree(dd));
    return 0;
}
