// 11_occupancy_api.cu
// Exercises: the occupancy API: cudaOccupancyMaxPotentialBlockSize,
// cudaOccupancyMaxPotentialBlockSizeVariableSMem with a shared-memory-per-block
// functor, cudaOccupancyMaxActiveBlocksPerMultiprocessor, and
// cudaOccupancyAvailableDynamicSMemPerBlock; then launches with the suggested
// configuration, including a dynamic shared memory size from an expression.
// Warp-size hazards: none.

#include <cstdio>
#include <hip/hip_runtime.h>

#define OCC_CHECK(x)                                                         \
    do {                                                                     \
        hipError_t e = (x);                                                 \
        if (e != hipSuccess) {                                              \
            fprintf(stderr, "occupancy query failed: %s\n",                  \
                    hipGetErrorString(e));                                  \
            return 1;                                                        \
        }                                                                    \
    } while (0)

__global__ void relu(float* x, int n)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

__global__ void staged_copy(const float* in, float* out, int n)
{
    extern __shared__ float stage[];
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    stage[threadIdx.x] = (i < n) ? in[i] : 0.0f;
    __syncthreads();
    if (i < n) out[i] = stage[blockDim.x - 1 - threadIdx.x];
}

struct SmemPerBlock {
    __host__ __device__ size_t operator()(int block_size) const
    {
        return block_size * sizeof(float);
    }
};

int main()
{
    const int n = 1 << 22;
    float *d_a, *d_b;
    OCC_CHECK(hipMalloc(&d_a, n * sizeof(float)));
    OCC_CHECK(hipMalloc(&d_b, n * sizeof(float)));

    int min_grid = 0, block = 0;
    OCC_CHECK(hipOccupancyMaxPotentialBlockSize(&min_grid, &block, relu, 0, 0));
    int active = 0;
    OCC_CHECK(hipOccupancyMaxActiveBlocksPerMultiprocessor(&active, relu, block, 0));
    printf("relu: block %d, min grid %d, %d active blocks/SM\n", block, min_grid, active);
    relu<<<min_grid, block>>>(d_a, n);
    OCC_CHECK(hipGetLastError());

    int min_grid2 = 0, block2 = 0;
    OCC_CHECK(cudaOccupancyMaxPotentialBlockSizeVariableSMem(&min_grid2, &block2, staged_copy,
                                                             SmemPerBlock(), 1024));
    size_t avail = 0;
    OCC_CHECK(cudaOccupancyAvailableDynamicSMemPerBlock(&avail, staged_copy, 2, block2));
    printf("staged_copy: block %d, dynamic smem available at 2 blocks/SM: %zu\n", block2, avail);
    staged_copy<<<(n + block2 - 1) / block2, block2, block2 * sizeof(float)>>>(d_a, d_b, n);
    OCC_CHECK(hipGetLastError());
    OCC_CHECK(hipDeviceSynchronize());

    OCC_CHECK(hipFree(d_a));
    OCC_CHECK(hipFree(d_b));
    return 0;
}
