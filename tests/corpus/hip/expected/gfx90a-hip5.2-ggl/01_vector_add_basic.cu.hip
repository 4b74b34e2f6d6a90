// 01_vector_add_basic.cu
// Exercises: the basic runtime memory API (cudaMalloc, cudaMemcpy in both
// directions, cudaFree), a plain kernel<<<grid, block>>> launch whose grid size
// is an expression, cudaGetLastError after the launch, cudaDeviceSynchronize,
// and an error-check macro built on cudaGetErrorString.
// Warp-size hazards: none.

#include <cstdio>
#include <cstdlib>
#include <vector>
#include <hip/hip_runtime.h>

#define CUDA_CHECK(call)                                                     \
    do {                                                                     \
        hipError_t err_ = (call);                                           \
        if (err_ != hipSuccess) {                                           \
            fprintf(stderr, "CUDA error %s at %s:%d\n",                      \
                    hipGetErrorString(err_), __FILE__, __LINE__);           \
            exit(EXIT_FAILURE);                                              \
        }                                                                    \
    } while (0)

__global__ void vector_add(const float* a, const float* b, float* c, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        c[i] = a[i] + b[i];
    }
}

int main()
{
    const int n = 1 << 20;
    const size_t bytes = n * sizeof(float);

    std::vector<float> h_a(n), h_b(n), h_c(n);
    for (int i = 0; i < n; ++i) {
        h_a[i] = static_cast<float>(i);
        h_b[i] = 2.0f * i;
    }

    float *d_a = nullptr, *d_b = nullptr, *d_c = nullptr;
    CUDA_CHECK(hipMalloc(&d_a, bytes));
    CUDA_CHECK(hipMalloc(&d_b, bytes));
    CUDA_CHECK(hipMalloc(&d_c, bytes));

    CUDA_CHECK(hipMemcpy(d_a, h_a.data(), bytes, hipMemcpyHostToDevice));
    CUDA_CHECK(hipMemcpy(d_b, h_b.data(), bytes, hipMemcpyHostToDevice));

    const int threads = 256;
    hipLaunchKernelGGL(vector_add, dim3((n + threads - 1) / threads), dim3(threads), 0, 0, d_a, d_b, d_c, n);
    CUDA_CHECK(hipGetLastError());
    CUDA_CHECK(hipDeviceSynchronize());

    CUDA_CHECK(hipMemcpy(h_c.data(), d_c, bytes, hipMemcpyDeviceToHost));

    int errors = 0;
    for (int i = 0; i < n; ++i) {
        if (h_c[i] != 3.0f * i) ++errors;
    }
    printf("vector_add: %s (%d mismatches)\n", errors ? "FAILED" : "PASSED", errors);

    CUDA_CHECK(hipFree(d_a));
    CUDA_CHECK(hipFree(d_b));
    CUDA_CHECK(hipFree(d_c));
    return errors ? EXIT_FAILURE : EXIT_SUCCESS;
}
