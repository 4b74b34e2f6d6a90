// 33_cublas_sgemm.cu
// Exercises: cuBLAS v2 API: cublasHandle_t with cublasCreate / cublasDestroy,
// cublasSetStream, cublasSetMathMode, a status-check macro over
// cublasStatus_t (CUBLAS_STATUS_SUCCESS, cublasGetStatusString),
// cublasSgemm in column-major with CUBLAS_OP_N / CUBLAS_OP_T,
// cublasSgemmStridedBatched, cublasSaxpy and cublasSnrm2 with host pointer
// mode, plus a custom kernel on the same stream.
// Needs the cuBLAS headers (lib:cublas). Warp-size hazards: none.

#include <cstdio>
#include <cstdlib>
#include <vector>
#include <hip/hip_runtime.h>
#include <hipblas/hipblas.h>

#define CUDA_CHECK(x)                                                        \
    do {                                                                     \
        hipError_t e = (x);                                                 \
        if (e != hipSuccess) {                                              \
            fprintf(stderr, "CUDA: %s at %s:%d\n", hipGetErrorString(e),    \
                    __FILE__, __LINE__);                                     \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#define CUBLAS_CHECK(x)                                                      \
    do {                                                                     \
        hipblasStatus_t s = (x);                                              \
        if (s != HIPBLAS_STATUS_SUCCESS) {                                    \
            fprintf(stderr, "cuBLAS: %s (%d) at %s:%d\n",                    \
                    cublasGetStatusString(s), (int)s, __FILE__, __LINE__);   \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

__global__ void fill(float* p, float v, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) p[i] = v;
}

int main()
{
    const int M = 512, N = 256, K = 384, batch = 4;
    float *dA, *dB, *dC;
    CUDA_CHECK(hipMalloc(&dA, (size_t)M * K * batch * sizeof(float)));
    CUDA_CHECK(hipMalloc(&dB, (size_t)K * N * batch * sizeof(float)));
    CUDA_CHECK(hipMalloc(&dC, (size_t)M * N * batch * sizeof(float)));

    hipStream_t stream;
    CUDA_CHECK(hipStreamCreate(&stream));
    hipblasHandle_t handle;
    CUBLAS_CHECK(hipblasCreate(&handle));
    CUBLAS_CHECK(hipblasSetStream(handle, stream));
    CUBLAS_CHECK(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH));
    CUBLAS_CHECK(hipblasSetPointerMode(handle, HIPBLAS_POINTER_MODE_HOST));

    hipLaunchKernelGGL(fill, dim3((M * K * batch + 255) / 256), dim3(256), 0, stream, dA, 1.0f, M * K * batch);
    hipLaunchKernelGGL(fill, dim3((K * N * batch + 255) / 256), dim3(256), 0, stream, dB, 0.5f, K * N * batch);
    CUDA_CHECK(hipGetLastError());

    const float alpha = 1.0f, beta = 0.0f;
    // C (M x N) = A (M x K) * B (K x N), all column-major.
    CUBLAS_CHECK(hipblasSgemm(handle, HIPBLAS_OP_N, HIPBLAS_OP_N, M, N, K, &alpha, dA, M, dB, K,
                             &beta, dC, M));
    // C^T (N x M) = B^T * A^T, reading the same buffers transposed.
    CUBLAS_CHECK(hipblasSgemm(handle, HIPBLAS_OP_T, HIPBLAS_OP_T, N, M, K, &alpha, dB, K, dA, M,
                             &beta, dC + (size_t)M * N, N));
    CUBLAS_CHECK(hipblasSgemmStridedBatched(handle, HIPBLAS_OP_N, HIPBLAS_OP_N, M, N, K, &alpha,
                                           dA, M, (long long)M * K, dB, K, (long long)K * N,
                                           &beta, dC, M, (long long)M * N, batch));

    // y = 2 * x + y over the first matrix of C, then its norm.
    const float two = 2.0f;
    CUBLAS_CHECK(hipblasSaxpy(handle, M * N, &two, dC, 1, dC + (size_t)M * N, 1));
    float norm = 0.0f;
    CUBLAS_CHECK(hipblasSnrm2(handle, M * N, dC + (size_t)M * N, 1, &norm));
    CUDA_CHECK(hipStreamSynchronize(stream));

    std::vector<float> hC(4);
    CUDA_CHECK(hipMemcpy(hC.data(), dC, hC.size() * sizeof(float), hipMemcpyDeviceToHost));
    printf("C[0] = %.1f (expect %.1f), ||3C|| = %.1f\n", hC[0], 0.5f * K, norm);

    CUBLAS_CHECK(hipblasDestroy(handle));
    CUDA_CHECK(hipStreamDestroy(stream));
    CUDA_CHECK(hipFree(dA));
    CUDA_CHECK(hipFree(dB));
    CUDA_CHECK(hipFree(dC));
    return 0;
}
