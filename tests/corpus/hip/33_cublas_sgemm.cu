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
#include <cublas_v2.h>
#include <cuda_runtime.h>

#define CUDA_CHECK(x)                                                        \
    do {                                                                     \
        cudaError_t e = (x);                                                 \
        if (e != cudaSuccess) {                                              \
            fprintf(stderr, "CUDA: %s at %s:%d\n", cudaGetErrorString(e),    \
                    __FILE__, __LINE__);                                     \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#define CUBLAS_CHECK(x)                                                      \
    do {                                                                     \
        cublasStatus_t s = (x);                                              \
        if (s != CUBLAS_STATUS_SUCCESS) {                                    \
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
    CUDA_CHECK(cudaMalloc(&dA, (size_t)M * K * batch * sizeof(float)));
    CUDA_CHECK(cudaMalloc(&dB, (size_t)K * N * batch * sizeof(float)));
    CUDA_CHECK(cudaMalloc(&dC, (size_t)M * N * batch * sizeof(float)));

    cudaStream_t stream;
    CUDA_CHECK(cudaStreamCreate(&stream));
    cublasHandle_t handle;
    CUBLAS_CHECK(cublasCreate(&handle));
    CUBLAS_CHECK(cublasSetStream(handle, stream));
    CUBLAS_CHECK(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH));
    CUBLAS_CHECK(cublasSetPointerMode(handle, CUBLAS_POINTER_MODE_HOST));

    fill<<<(M * K * batch + 255) / 256, 256, 0, stream>>>(dA, 1.0f, M * K * batch);
    fill<<<(K * N * batch + 255) / 256, 256, 0, stream>>>(dB, 0.5f, K * N * batch);
    CUDA_CHECK(cudaGetLastError());

    const float alpha = 1.0f, beta = 0.0f;
    // C (M x N) = A (M x K) * B (K x N), all column-major.
    CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, &alpha, dA, M, dB, K,
                             &beta, dC, M));
    // C^T (N x M) = B^T * A^T, reading the same buffers transposed.
    CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_T, CUBLAS_OP_T, N, M, K, &alpha, dB, K, dA, M,
                             &beta, dC + (size_t)M * N, N));
    CUBLAS_CHECK(cublasSgemmStridedBatched(handle, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, &alpha,
                                           dA, M, (long long)M * K, dB, K, (long long)K * N,
                                           &beta, dC, M, (long long)M * N, batch));

    // y = 2 * x + y over the first matrix of C, then its norm.
    const float two = 2.0f;
    CUBLAS_CHECK(cublasSaxpy(handle, M * N, &two, dC, 1, dC + (size_t)M * N, 1));
    float norm = 0.0f;
    CUBLAS_CHECK(cublasSnrm2(handle, M * N, dC + (size_t)M * N, 1, &norm));
    CUDA_CHECK(cudaStreamSynchronize(stream));

    std::vector<float> hC(4);
    CUDA_CHECK(cudaMemcpy(hC.data(), dC, hC.size() * sizeof(float), cudaMemcpyDeviceToHost));
    printf("C[0] = %.1f (expect %.1f), ||3C|| = %.1f\n", hC[0], 0.5f * K, norm);

    CUBLAS_CHECK(cublasDestroy(handle));
    CUDA_CHECK(cudaStreamDestroy(stream));
    CUDA_CHECK(cudaFree(dA));
    CUDA_CHECK(cudaFree(dB));
    CUDA_CHECK(cudaFree(dC));
    return 0;
}
