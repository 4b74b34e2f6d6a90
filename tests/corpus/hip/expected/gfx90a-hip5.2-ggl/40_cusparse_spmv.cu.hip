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
#include <hip/hip_runtime.h>
#ifndef PORTER_HELPER_HIPSPARSE_STATUS_STRING
#define PORTER_HELPER_HIPSPARSE_STATUS_STRING
// porter: cusparseGetErrorString for hipSPARSE before 6.0 (no hipsparseGetErrorString): the status's name
static inline const char* __porter_hipsparse_status_string(int status) {
  switch (status) {
    case 0: return "HIPSPARSE_STATUS_SUCCESS";
    case 1: return "HIPSPARSE_STATUS_NOT_INITIALIZED";
    case 2: return "HIPSPARSE_STATUS_ALLOC_FAILED";
    case 3: return "HIPSPARSE_STATUS_INVALID_VALUE";
    case 4: return "HIPSPARSE_STATUS_ARCH_MISMATCH";
    case 5: return "HIPSPARSE_STATUS_MAPPING_ERROR";
    case 6: return "HIPSPARSE_STATUS_EXECUTION_FAILED";
    case 7: return "HIPSPARSE_STATUS_INTERNAL_ERROR";
    case 8: return "HIPSPARSE_STATUS_MATRIX_TYPE_NOT_SUPPORTED";
    case 9: return "HIPSPARSE_STATUS_ZERO_PIVOT";
    case 10: return "HIPSPARSE_STATUS_NOT_SUPPORTED";
    case 11: return "HIPSPARSE_STATUS_INSUFFICIENT_RESOURCES";
    default: return "unknown hipSPARSE status";
  }
}
#endif
#include <hipsparse/hipsparse.h>

#define CUDA_CHECK(x)                                                        \
    do {                                                                     \
        hipError_t e = (x);                                                 \
        if (e != hipSuccess) {                                              \
            printf("CUDA error: %s (line %d)\n", hipGetErrorString(e), __LINE__); \
            return EXIT_FAILURE;                                             \
        }                                                                    \
    } while (0)

#define CUSPARSE_CHECK(x)                                                    \
    do {                                                                     \
        hipsparseStatus_t st = (x);                                           \
        if (st != HIPSPARSE_STATUS_SUCCESS) {                                 \
            printf("cuSPARSE error: %s (line %d)\n", __porter_hipsparse_status_string(st), __LINE__); \
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
    CUDA_CHECK(hipMalloc(&d_rows, (n + 1) * sizeof(int)));
    CUDA_CHECK(hipMalloc(&d_cols, nnz * sizeof(int)));
    CUDA_CHECK(hipMalloc(&d_vals, nnz * sizeof(float)));
    CUDA_CHECK(hipMalloc(&d_x, n * sizeof(float)));
    CUDA_CHECK(hipMalloc(&d_y, n * sizeof(float)));
    CUDA_CHECK(hipMemcpy(d_rows, row_ptr.data(), (n + 1) * sizeof(int), hipMemcpyHostToDevice));
    CUDA_CHECK(hipMemcpy(d_cols, cols.data(), nnz * sizeof(int), hipMemcpyHostToDevice));
    CUDA_CHECK(hipMemcpy(d_vals, vals.data(), nnz * sizeof(float), hipMemcpyHostToDevice));
    CUDA_CHECK(hipMemcpy(d_x, h_x.data(), n * sizeof(float), hipMemcpyHostToDevice));

    hipStream_t stream;
    CUDA_CHECK(hipStreamCreate(&stream));
    hipsparseHandle_t handle;
    CUSPARSE_CHECK(hipsparseCreate(&handle));
    CUSPARSE_CHECK(hipsparseSetStream(handle, stream));

    hipsparseSpMatDescr_t matA;
    hipsparseDnVecDescr_t vecX, vecY;
    CUSPARSE_CHECK(hipsparseCreateCsr(&matA, n, n, nnz, d_rows, d_cols, d_vals, HIPSPARSE_INDEX_32I,
                                     HIPSPARSE_INDEX_32I, HIPSPARSE_INDEX_BASE_ZERO, HIP_R_32F));
    CUSPARSE_CHECK(hipsparseCreateDnVec(&vecX, n, d_x, HIP_R_32F));
    CUSPARSE_CHECK(hipsparseCreateDnVec(&vecY, n, d_y, HIP_R_32F));

    const float alpha = 1.0f, beta = 0.0f;
    size_t buffer_size = 0;
    CUSPARSE_CHECK(hipsparseSpMV_bufferSize(handle, HIPSPARSE_OPERATION_NON_TRANSPOSE, &alpha, matA,
                                           vecX, &beta, vecY, HIP_R_32F,
                                           HIPSPARSE_MV_ALG_DEFAULT, &buffer_size));
    void* d_buffer = nullptr;
    CUDA_CHECK(hipMalloc(&d_buffer, buffer_size));
    CUSPARSE_CHECK(hipsparseSpMV(handle, HIPSPARSE_OPERATION_NON_TRANSPOSE, &alpha, matA, vecX, &beta,
                                vecY, HIP_R_32F, HIPSPARSE_MV_ALG_DEFAULT, d_buffer));
    CUDA_CHECK(hipStreamSynchronize(stream));
    CUDA_CHECK(hipMemcpy(h_y.data(), d_y, n * sizeof(float), hipMemcpyDeviceToHost));
    printf("y[0] = %.1f (expect 1), y[1] = %.1f (expect 0), y[n-1] = %.1f (expect 1)\n", h_y[0],
           h_y[1], h_y[n - 1]);

    CUSPARSE_CHECK(hipsparseDestroySpMat(matA));
    CUSPARSE_CHECK(hipsparseDestroyDnVec(vecX));
    CUSPARSE_CHECK(hipsparseDestroyDnVec(vecY));
    CUSPARSE_CHECK(hipsparseDestroy(handle));
    CUDA_CHECK(hipStreamDestroy(stream));
    CUDA_CHECK(hipFree(d_buffer));
    CUDA_CHECK(hipFree(d_rows));
    CUDA_CHECK(hipFree(d_cols));
    CUDA_CHECK(hipFree(d_vals));
    CUDA_CHECK(hipFree(d_x));
    CUDA_CHECK(hipFree(d_y));
    return 0;
}
