// A project's shared header: its own error-check helpers, handles, types and constants.
// Their names look like CUDA's, but they are the project's.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

#define cudaCheck(call) cudaCheckImpl((call), __FILE__, __LINE__)
#define CUDA_SAFE_CALL(call)                        \
    do {                                            \
        cudaError_t cudaErrLocal = (call);          \
        cudaCheckImpl(cudaErrLocal, __FILE__, __LINE__); \
    } while (0)

inline void cudaCheckImpl(cudaError_t status, const char* file, int line) {
    if (status != cudaSuccess) {
        std::fprintf(stderr, "%s:%d: %s\n", file, line, cudaGetErrorString(status));
        std::exit(1);
    }
}

// The project's own status type and checker for its math library calls.
typedef int cublasStatusCode;
enum cublasOutcome { CUBLAS_OUTCOME_OK = 0, CUBLAS_OUTCOME_FAILED = 1 };

inline void cublasCheck(cublasStatusCode status, const char* file, int line) {
    if (status != CUBLAS_OUTCOME_OK) {
        std::fprintf(stderr, "%s:%d: math library status %d\n", file, line, status);
        std::exit(1);
    }
}

// Globals shared by the project's files.
static void* cublas_handle = nullptr;
static cudaStream_t cudaMainStream;
static int cudaDeviceCount_cached, cuda_num_SMs;

typedef float real_t;
struct cudaLaunchShape { int grid, block; };

__device__ inline real_t cuSquare(real_t x) { return x * x; }
