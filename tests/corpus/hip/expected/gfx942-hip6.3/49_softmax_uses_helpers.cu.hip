// 49_softmax_uses_helpers.cu
// Exercises: a translation unit that #includes a local .cuh header of device
// helpers ("48_warp_helpers.cuh"); row-wise softmax with one WARP per row
// (lanes stride the row by 32) and with one BLOCK per row (block_max and
// block_sum from the header); __expf with max subtraction; rows-per-block computed from
// blockDim.x / 32; the CUDA_CHECK macro defined in the header.
// Warp-size hazards: the warp-per-row indexing (marked).

#include <hip/hip_runtime.h>
#include <cfloat>
#include <cstdio>
#include <vector>
#include "48_warp_helpers.cuh"

using namespace helpers;

// One warp per row: good for short rows.
__global__ void softmax_warp_per_row(const float* __restrict__ x, float* __restrict__ y, int rows, int cols)
{
    int row = blockIdx.x * ((blockDim.x + warpSize - 1) / warpSize) + threadIdx.x / warpSize;  // HAZARD(warp-size): rows per block and warp id assume 32 lanes
    int lane = lane_id();
    if (row >= rows) return;
    const float* xr = x + (size_t)row * cols;
    float* yr = y + (size_t)row * cols;

    float m = -FLT_MAX;
    for (int c = lane; c < cols; c += warpSize) m = fmaxf(m, xr[c]);  // HAZARD(warp-size): lanes stride the row by 32
    m = warp_max(m);
    float s = 0.0f;
    for (int c = lane; c < cols; c += warpSize) s += __expf(xr[c] - m);  // HAZARD(warp-size): lanes stride the row by 32
    s = warp_sum(s);
    float inv = 1.0f / s;
    for (int c = lane; c < cols; c += warpSize) yr[c] = __expf(xr[c] - m) * inv;  // HAZARD(warp-size): lanes stride the row by 32
}

// One block per row: good for long rows.
__global__ void softmax_block_per_row(const float* __restrict__ x, float* __restrict__ y, int cols)
{
    const float* xr = x + (size_t)blockIdx.x * cols;
    float* yr = y + (size_t)blockIdx.x * cols;

    float m = -FLT_MAX;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, xr[c]);
    m = block_max(m);
    float s = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += __expf(xr[c] - m);
    float inv = 1.0f / block_sum(s);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) yr[c] = __expf(xr[c] - m) * inv;
}

int main()
{
    const int rows = 4096, short_cols = 128, long_cols = 8192;
    float *dx, *dy;
    CUDA_CHECK(hipMalloc(&dx, (size_t)rows * long_cols * sizeof(float)));
    CUDA_CHECK(hipMalloc(&dy, (size_t)rows * long_cols * sizeof(float)));
    CUDA_CHECK(hipMemset(dx, 0, (size_t)rows * long_cols * sizeof(float)));

    const int threads = 256;
    const int rows_per_block = threads / 32;  // HAZARD(warp-size): one row per 32-lane warp
    softmax_warp_per_row<<<ceil_div(rows, rows_per_block), threads>>>(dx, dy, rows, short_cols);
    CUDA_CHECK(hipGetLastError());
    softmax_block_per_row<<<rows, 512>>>(dx, dy, long_cols);
    CUDA_CHECK(hipGetLastError());
    CUDA_CHECK(hipDeviceSynchronize());

    std::vector<float> first(short_cols);
    CUDA_CHECK(hipMemcpy(first.data(), dy, short_cols * sizeof(float), hipMemcpyDeviceToHost));
    printf("softmax of zeros: y[0] = %f (expect %f)\n", first[0], 1.0f / long_cols);  // block-per-row ran last

    CUDA_CHECK(hipFree(dx));
    CUDA_CHECK(hipFree(dy));
    return 0;
}
