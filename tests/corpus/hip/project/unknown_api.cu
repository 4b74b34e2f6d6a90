// Calls a CUDA-shaped function that nothing in the project declares: porter must say so.
#include "common.cuh"

void reset_device() {
    cudaCheck(cudaFooBarBaz());
}
