// 47_matmul_tiled.cu
// Exercises: a shared-memory tiled SGEMM with constexpr int TILE = 32,
// __shared__ As[TILE][TILE] / Bs[TILE][TILE], dim3(TILE, TILE) blocks,
// boundary handling, an "n % 32" alignment check that picks a fast path
// without bounds checks, #pragma unroll over the tile, and a float4
// vectorised variant guarded by an alignment test.
// The 32s are the matmul tile and an alignment, not warp sizes.
// Warp-size hazards: none; SAFE lines for tile and alignment.

#include <cstdio>
#include <vector>
#include <hip/hip_runtime.h>

constexpr int TILE = 32;  // SAFE(warp-size): matmul tile edge, not a lane count

template <bool CHECK_BOUNDS>
__global__ void sgemm_tiled(const float* __restrict__ A, const float* __restrict__ B,
                            float* __restrict__ C, int M, int N, int K)
{
    __shared__ float As[TILE][TILE];
    __shared__ float Bs[TILE][TILE];
    int row = blockIdx.y * TILE + threadIdx.y;
    int col = blockIdx.x * TILE + threadIdx.x;
    float acc = 0.0f;

    for (int t = 0; t < K; t += TILE) {
        if (CHECK_BOUNDS) {
            As[threadIdx.y][threadIdx.x] = (row < M && t + threadIdx.x < K) ? A[row * K + t + threadIdx.x] : 0.0f;
            Bs[threadIdx.y][threadIdx.x] = (col < N && t + threadIdx.y < K) ? B[(t + threadIdx.y) * N + col] : 0.0f;
        } else {
            As[threadIdx.y][threadIdx.x] = A[row * K + t + threadIdx.x];
            Bs[threadIdx.y][threadIdx.x] = B[(t + threadIdx.y) * N + col];
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < TILE; ++k) acc = fmaf(As[threadIdx.y][k], Bs[k][threadIdx.x], acc);
        __syncthreads();
    }
    if (!CHECK_BOUNDS || (row < M && col < N)) C[row * N + col] = acc;
}

// Bias add with float4 stores when the row length allows it.
__global__ void add_bias_vec4(float4* C4, const float4* bias4, int n4_per_row, int rows)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n4_per_row * rows) {
        float4 c = C4[i], b = bias4[i % n4_per_row];
        C4[i] = make_float4(c.x + b.x, c.y + b.y, c.z + b.z, c.w + b.w);
    }
}

int main()
{
    const int M = 1000, N = 1024, K = 768;
    std::vector<float> hA((size_t)M * K, 1.0f), hB((size_t)K * N, 2.0f), hC((size_t)M * N);
    float *dA, *dB, *dC, *dbias;
    hipMalloc(&dA, hA.size() * sizeof(float));
    hipMalloc(&dB, hB.size() * sizeof(float));
    hipMalloc(&dC, hC.size() * sizeof(float));
    hipMalloc(&dbias, N * sizeof(float));
    hipMemcpy(dA, hA.data(), hA.size() * sizeof(float), hipMemcpyHostToDevice);
    hipMemcpy(dB, hB.data(), hB.size() * sizeof(float), hipMemcpyHostToDevice);
    hipMemset(dbias, 0, N * sizeof(float));

    dim3 block(TILE, TILE);
    dim3 grid((N + TILE - 1) / TILE, (M + TILE - 1) / TILE);
    bool aligned = (M % 32 == 0) && (N % 32 == 0) && (K % 32 == 0);  // SAFE(warp-size): tile alignment check
    if (aligned)
        hipLaunchKernelGGL((sgemm_tiled<false>), dim3(grid), dim3(block), 0, 0, dA, dB, dC, M, N, K);
    else
        hipLaunchKernelGGL((sgemm_tiled<true>), dim3(grid), dim3(block), 0, 0, dA, dB, dC, M, N, K);

    if (N % 4 == 0) {
        int n4 = N / 4;
        hipLaunchKernelGGL(add_bias_vec4, dim3((n4 * M + 255) / 256), dim3(256), 0, 0, reinterpret_cast<float4*>(dC),
                                                     reinterpret_cast<const float4*>(dbias), n4, M);
    }
    hipError_t err = hipDeviceSynchronize();
    if (err != hipSuccess) {
        printf("sgemm failed: %s\n", hipGetErrorString(err));
        return 1;
    }
    hipMemcpy(hC.data(), dC, hC.size() * sizeof(float), hipMemcpyDeviceToHost);
    printf("C[0] = %.1f, C[last] = %.1f (expect %.1f), path: %s\n", hC[0], hC.back(), 2.0f * K,
           aligned ? "aligned" : "bounds-checked");

    hipFree(dA); hipFree(dB); hipFree(dC); hipFree(dbias);
    return 0;
}
