// 40_cusparse_spmv.cu
// Exercises: the cuSPARSE generic API: cusparseHandle_t (cusparseCreate,
// cusparseSetStream, cusparseDestroy), cusparseCreateCsr with
// CUSPARSE_INDEX_32I / CUSPARSE_INDEX_BASE_ZERO / CUDA_R_32F,
// cusparseCreateDnVec, cusparseSpMV_bufferSize + cusparseSpMV with
// CUSPARSE_SPMV_ALG_DEFAULT, descriptor destruction, cusparseGetErrorString,
// and a hand-built tridiagonal matrix in CSR form.
// Needs the cuSPARSE headers (lib:cusparse). Warp-size hazards: none.

#include <cstdio>
#include <cstdlib>
#include <vector>
#include <cuda_runtime.h>
#include <cusparse.h>

#define CUDA_CHECK(x)                                                        \
    do {                                                                     \
        cudaError_t e = (x);                                                 \
        if (e != cudaSuccess) {                                              \
            printf("CUDA error: %s (line %d)\n", cudaGetErrorString(e), __LINE__); \
            return EXIT_FAILURE;                                             \
        }                                                                    \
    } while (0)

#define CUSPARSE_CHECK(x)                                                    \
    do {                                                                     \
        cusparseStatus_t st = (x);                                           \
        if (st != CUSPARSE_STATUS_SUCCESS) {                                 \
            printf("cuSPARSE error: %s (line %d)\n", cusparseGetErrorString(st), __LINE__); \
            return EXIT_FAILURE;                                             \
        }                                                                    \
    } while (0)

int main()
{
    // A = tridiag(-1, 2, -1), n x n.
    const int n = 1 << 14;
    std::vector<int> row_ptr(n + 1);
    std::vector<int> cols;
    std::vector<float> vals;
    for (int r = 0; r < n; ++r) {
        row_ptr[r] = static_cast<int>(cols.size());
        if (r > 0) { cols.push_back(r - 1); vals.push_back(-1.0f); }
        cols.push_back(r); vals.push_back(2.0f);
        if (r < n - 1) { cols.push_back(r + 1); vals.push_back(-1.0f); }
    }
    row_ptr[n] = static_cast<int>(cols.size());
    const int nnz = row_ptr[n];
    std::vector<float> h_x(n, 1.0f), h_y(n, 0.0f);

    int *d_rows, *d_cols;
    float *d_vals, *d_x, *d_y;
    CUDA_CHECK(cudaMalloc(&d_rows, (n + 1) * sizeof(int)));
    CUDA_CHECK(cudaMalloc(&d_cols, nnz * sizeof(int)));
    CUDA_CHECK(cudaMalloc(&d_vals, nnz * sizeof(float)));
    CUDA_CHECK(cudaMalloc(&d_x, n * sizeof(float)));
    CUDA_CHECK(cudaMalloc(&d_y, n * sizeof(float)));
    CUDA_CHECK(cudaMemcpy(d_rows, row_ptr.data(), (n + 1) * sizeof(int), cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_cols, cols.data(), nnz * sizeof(int), cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_vals, vals.data(), nnz * sizeof(float), cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_x, h_x.data(), n * sizeof(float), cudaMemcpyHostToDevice));

    cudaStream_t stream;
    CUDA_CHECK(cudaStreamCreate(&stream));
    cusparseHandle_t handle;
    CUSPARSE_CHECK(cusparseCreate(&handle));
    CUSPARSE_CHECK(cusparseSetStream(handle, stream));

    cusparseSpMatDescr_t matA;
    cusparseDnVecDescr_t vecX, vecY;
    CUSPARSE_CHECK(cusparseCreateCsr(&matA, n, n, nnz, d_rows, d_cols, d_vals, CUSPARSE_INDEX_32I,
                                     CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F));
    CUSPARSE_CHECK(cusparseCreateDnVec(&vecX, n, d_x, CUDA_R_32F));
    CUSPARSE_CHECK(cusparseCreateDnVec(&vecY, n, d_y, CUDA_R_32F));

    const float alpha = 1.0f, beta = 0.0f;
    size_t buffer_size = 0;
    CUSPARSE_CHECK(cusparseSpMV_bufferSize(handle, CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha, matA,
                                           vecX, &beta, vecY, CUDA_R_32F,
                                           CUSPARSE_SPMV_ALG_DEFAULT, &buffer_size));
    void* d_buffer = nullptr;
    CUDA_CHECK(cudaMalloc(&d_buffer, buffer_size));
    CUSPARSE_CHECK(cusparseSpMV(handle, CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha, matA, vecX, &beta,
                                vecY, CUDA_R_32F, CUSPARSE_SPMV_ALG_DEFAULT, d_buffer));
    CUDA_CHECK(cudaStreamSynchronize(stream));
    CUDA_CHECK(cudaMemcpy(h_y.data(), d_y, n * sizeof(float), cudaMemcpyDeviceToHost));
    printf("y[0] = %.1f (expect 1), y[1] = %.1f (expect 0), y[n-1] = %.1f (expect 1)\n", h_y[0],
           h_y[1], h_y[n - 1]);

    CUSPARSE_CHECK(cusparseDestroySpMat(matA));
    CUSPARSE_CHECK(cusparseDestroyDnVec(vecX));
    CUSPARSE_CHECK(cusparseDestroyDnVec(vecY));
    CUSPARSE_CHECK(cusparseDestroy(handle));
    CUDA_CHECK(cudaStreamDestroy(stream));
    CUDA_CHECK(cudaFree(d_buffer));
    CUDA_CHECK(cudaFree(d_rows));
    CUDA_CHECK(cudaFree(d_cols));
    CUDA_CHECK(cudaFree(d_vals));
    CUDA_CHECK(cudaFree(d_x));
    CUDA_CHECK(cudaFree(d_y));
    return 0;
}
