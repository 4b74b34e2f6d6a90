// 23_grid_sync.cu
// Exercises: cooperative groups at grid scope: cg::this_grid(), grid.sync(),
// grid.thread_rank()/grid.size(), cg::this_thread_block(), launched with
// cudaLaunchCooperativeKernel and a void* argument array; the grid is sized
// with cudaOccupancyMaxActiveBlocksPerMultiprocessor so every block is
// co-resident, after checking cudaDevAttrCooperativeLaunch.
// A two-phase reduction: per-block partials, grid-wide barrier, final pass.
// Warp-size hazards: none.

#include <cstdio>
#include <hip/hip_runtime.h>
#include <hip/hip_cooperative_groups.h>

namespace cg = cooperative_groups;

#define CUDA_CHECK(x)                                                        \
    do {                                                                     \
        hipError_t err_ = (x);                                              \
        if (err_ != hipSuccess) {                                           \
            fprintf(stderr, "%s:%d %s\n", __FILE__, __LINE__,                \
                    hipGetErrorString(err_));                               \
            return 1;                                                        \
        }                                                                    \
    } while (0)

constexpr int kThreads = 256;

__global__ void two_phase_sum(const float* __restrict__ in, float* partials, float* result, int n)
{
    cg::grid_group grid = cg::this_grid();
    cg::thread_block block = cg::this_thread_block();
    __shared__ float sdata[kThreads];

    float acc = 0.0f;
    for (unsigned long long i = grid.thread_rank(); i < (unsigned long long)n; i += grid.size())
        acc += in[i];
    sdata[block.thread_rank()] = acc;
    block.sync();
    for (unsigned s = block.size() / 2; s > 0; s >>= 1) {
        if (block.thread_rank() < s) sdata[block.thread_rank()] += sdata[block.thread_rank() + s];
        block.sync();
    }
    if (block.thread_rank() == 0) partials[blockIdx.x] = sdata[0];

    grid.sync();  // every block's partial is now visible

    if (blockIdx.x == 0) {
        float total = 0.0f;
        for (unsigned b = block.thread_rank(); b < gridDim.x; b += block.size()) total += partials[b];
        sdata[block.thread_rank()] = total;
        block.sync();
        for (unsigned s = block.size() / 2; s > 0; s >>= 1) {
            if (block.thread_rank() < s) sdata[block.thread_rank()] += sdata[block.thread_rank() + s];
            block.sync();
        }
        if (block.thread_rank() == 0) *result = sdata[0];
    }
}

int main()
{
    int dev = 0, coop = 0, sms = 0;
    CUDA_CHECK(hipGetDevice(&dev));
    CUDA_CHECK(hipDeviceGetAttribute(&coop, hipDeviceAttributeCooperativeLaunch, dev));
    CUDA_CHECK(hipDeviceGetAttribute(&sms, hipDeviceAttributeMultiprocessorCount, dev));
    if (!coop) {
        printf("device does not support cooperative launch\n");
        return 0;
    }

    int per_sm = 0;
    CUDA_CHECK(hipOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, two_phase_sum, kThreads, 0));
    dim3 grid(sms * per_sm), block(kThreads);

    int n = 1 << 24;
    float *d_in, *d_partials, *d_result;
    CUDA_CHECK(hipMalloc(&d_in, n * sizeof(float)));
    CUDA_CHECK(hipMalloc(&d_partials, grid.x * sizeof(float)));
    CUDA_CHECK(hipMalloc(&d_result, sizeof(float)));
    CUDA_CHECK(hipMemset(d_in, 0, n * sizeof(float)));

    void* args[] = {&d_in, &d_partials, &d_result, &n};
    CUDA_CHECK(hipLaunchCooperativeKernel((void*)two_phase_sum, grid, block, args, 0, nullptr));
    CUDA_CHECK(hipDeviceSynchronize());

    float h_result = -1.0f;
    CUDA_CHECK(hipMemcpy(&h_result, d_result, sizeof(float), hipMemcpyDeviceToHost));
    printf("grid of %u blocks: sum = %f\n", grid.x, h_result);

    CUDA_CHECK(hipFree(d_in));
    CUDA_CHECK(hipFree(d_partials));
    CUDA_CHECK(hipFree(d_result));
    return 0;
}
