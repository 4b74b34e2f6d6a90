// A second file of the project, with its own local names that look like CUDA's.
#include "common.cuh"

__global__ void scale(int n, real_t factor, real_t* data) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) data[i] = cuSquare(factor) * data[i];
}

void run_scale(int n, real_t factor, real_t* data) {
    cudaError_t cudaStat;
    cudaStat = cudaGetDeviceCount(&cudaDeviceCount_cached);
    cudaCheck(cudaStat);
    cuda_num_SMs = cudaDeviceCount_cached > 0 ? 1 : 0;
    scale<<<(n + 127) / 128, 128>>>(n, factor, data);
    cudaCheck(cudaDeviceSynchronize());
    cublasStatusCode cublasStat = CUBLAS_OUTCOME_OK;
    cublasCheck(cublasStat, __FILE__, __LINE__);
}
