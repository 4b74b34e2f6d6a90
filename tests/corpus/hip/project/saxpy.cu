// Uses the project's names from common.cuh; none of them is a CUDA API.
#include "common.cuh"

__global__ void saxpy(int n, real_t a, const real_t* x, real_t* y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = a * x[i] + cuSquare(y[i]);
}

int main() {
    const int n = 1 << 10;
    real_t *x, *y;
    cudaCheck(cudaStreamCreate(&cudaMainStream));
    CUDA_SAFE_CALL(cudaMalloc(&x, n * sizeof(real_t)));
    cudaCheck(cudaMalloc(&y, n * sizeof(real_t)));
    cudaLaunchShape shape = {(n + 255) / 256, 256};
    saxpy<<<shape.grid, shape.block, 0, cudaMainStream>>>(n, 2.0f, x, y);
    cudaCheck(cudaGetLastError());
    cublasCheck(cublas_handle == nullptr ? CUBLAS_OUTCOME_OK : CUBLAS_OUTCOME_FAILED, __FILE__, __LINE__);
    cudaCheck(cudaStreamSynchronize(cudaMainStream));
    cudaCheck(cudaFree(x));
    cudaCheck(cudaFree(y));
    return 0;
}
