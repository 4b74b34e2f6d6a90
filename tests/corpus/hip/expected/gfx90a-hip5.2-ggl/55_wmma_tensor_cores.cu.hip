// 55_wmma_tensor_cores.cu
// Exercises: the warp matrix API in <mma.h>: nvcuda::wmma::fragment for
// matrix_a / matrix_b / accumulator with 16x16x16 half inputs and float
// accumulation, fill_fragment, load_matrix_sync, mma_sync, store_matrix_sync
// with mem_row_major; each warp owns one 16x16 output tile and finds its tile
// from a global warp index computed with / 32. A porter should flag WMMA
// (rocWMMA is the nearest AMD equivalent) and the warp-index math.
// Warp-size hazards: the warp-index math (marked).

#include <cstdio>
#include <hip/hip_runtime.h>
#include <hip/hip_fp16.h>
#include <mma.h>

using namespace nvcuda;

constexpr int WM = 16, WN = 16, WK = 16;  // SAFE(warp-size): WMMA tile shape, not lane counts

// C (M x N, row-major, float) = A (M x K, row-major, half) * B (K x N, col-major, half).
__global__ void wmma_gemm(const half* __restrict__ A, const half* __restrict__ B, float* __restrict__ C,
                          int M, int N, int K)
{
    int warp_m = (blockIdx.x * blockDim.x + threadIdx.x) / warpSize;  // HAZARD(warp-size): global warp index assumes 32 lanes
    int warp_n = blockIdx.y * blockDim.y + threadIdx.y;
    int row = warp_m * WM;
    int col = warp_n * WN;
    if (row >= M || col >= N) return;

    wmma::fragment<wmma::matrix_a, WM, WN, WK, half, wmma::row_major> a_frag;
    wmma::fragment<wmma::matrix_b, WM, WN, WK, half, wmma::col_major> b_frag;
    wmma::fragment<wmma::accumulator, WM, WN, WK, float> acc;
    wmma::fill_fragment(acc, 0.0f);

    for (int k = 0; k < K; k += WK) {
        wmma::load_matrix_sync(a_frag, A + (size_t)row * K + k, K);
        wmma::load_matrix_sync(b_frag, B + (size_t)col * K + k, K);
        wmma::mma_sync(acc, a_frag, b_frag, acc);
    }
    wmma::store_matrix_sync(C + (size_t)row * N + col, acc, N, wmma::mem_row_major);
}

__global__ void fill_half(half* p, float v, size_t n)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i < n) p[i] = __float2half(v);
}

int main()
{
    const int M = 1024, N = 1024, K = 512;
    half *dA, *dB;
    float* dC;
    hipMalloc(&dA, (size_t)M * K * sizeof(half));
    hipMalloc(&dB, (size_t)K * N * sizeof(half));
    hipMalloc(&dC, (size_t)M * N * sizeof(float));
    hipLaunchKernelGGL(fill_half, dim3((M * K + 255) / 256), dim3(256), 0, 0, dA, 1.0f, (size_t)M * K);
    hipLaunchKernelGGL(fill_half, dim3((K * N + 255) / 256), dim3(256), 0, 0, dB, 0.5f, (size_t)K * N);

    // 4 warps along x and 4 along y per block: a 64 x 64 output patch.
    dim3 block(128, 4);
    const int warps_x = block.x / 64;  // HAZARD(warp-size): warps per block along x assume 32 lanes
    dim3 grid((M + WM * warps_x - 1) / (WM * warps_x), (N + WN * block.y - 1) / (WN * block.y));
    hipLaunchKernelGGL(wmma_gemm, dim3(grid), dim3(block), 0, 0, dA, dB, dC, M, N, K);
    hipError_t err = hipDeviceSynchronize();
    if (err != hipSuccess) {
        printf("wmma_gemm failed: %s\n", hipGetErrorString(err));
        return 1;
    }
    float c0 = 0.0f;
    hipMemcpy(&c0, dC, sizeof(float), hipMemcpyDeviceToHost);
    printf("C[0] = %.1f (expect %.1f)\n", c0, 0.5f * K);

    hipFree(dA);
    hipFree(dB);
    hipFree(dC);
    return 0;
}
