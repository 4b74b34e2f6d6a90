// 20_block_reduce_warp_partials.cu
// Exercises: a block-wide reduction that keeps one partial per warp in
// __shared__ float warp_sums[32] (a per-WARP array: big enough for any wave
// size), a warp reduction whose loop uses the built-in warpSize (portable)
// but whose mask is the literal 0xffffffff (not portable), lane/warp ids from
// % 32 and / 32, the warp count from blockDim.x / 32 and (blockDim.x + 31) / 32,
// a second kernel with per-warp partials in extern dynamic shared memory, and
// host code that sizes that dynamic shared memory from threads / 32.
// Warp-size hazards: several; SAFE lines for the per-warp arrays.

#include <cstdio>
#include <hip/hip_runtime.h>

__inline__ __device__ float warp_reduce(float val)
{
#pragma unroll
    for (int offset = warpSize / 2; offset > 0; offset /= 2)
        val += __shfl_down_sync(__activemask(), val, offset);  // HAZARD(warp-size): full 32-lane mask
    return val;
}

__inline__ __device__ float block_reduce_sum(float val)
{
    __shared__ float warp_sums[32];  // SAFE(warp-size): one slot per warp; 1024/32 and 1024/64 both fit
    const int lane = threadIdx.x % warpSize;  // HAZARD(warp-size): lane id assumes 32 lanes
    const int wid = threadIdx.x / warpSize;  // HAZARD(warp-size): warp id assumes 32 lanes
    const int num_warps = (blockDim.x + (warpSize - 1)) / warpSize;  // HAZARD(warp-size): warp count assumes 32 lanes

    val = warp_reduce(val);
    if (lane == 0) warp_sums[wid] = val;
    __syncthreads();

    val = (threadIdx.x < num_warps) ? warp_sums[lane] : 0.0f;
    if (wid == 0) val = warp_reduce(val);
    return val;
}

__global__ void sum_rows(const float* __restrict__ m, float* __restrict__ row_sums, int cols)
{
    const float* row = m + (size_t)blockIdx.x * cols;
    float acc = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) acc += row[c];
    acc = block_reduce_sum(acc);
    if (threadIdx.x == 0) row_sums[blockIdx.x] = acc;
}

// Same idea with the per-warp partials in dynamic shared memory.
__global__ void sum_squares(const float* __restrict__ x, float* __restrict__ out, int n)
{
    extern __shared__ float partials[];
    float v = 0.0f;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        v += x[i] * x[i];
    v = warp_reduce(v);
    const int warps = (blockDim.x + warpSize - 1) / warpSize;  // HAZARD(warp-size): warp count assumes 32 lanes
    if (threadIdx.x % warpSize == 0) partials[threadIdx.x / warpSize] = v;  // HAZARD(warp-size): lane/warp split by 32
    __syncthreads();
    if (threadIdx.x == 0) {
        float s = 0.0f;
        for (int w = 0; w < warps; ++w) s += partials[w];
        atomicAdd(out, s);
    }
}

int main()
{
    const int rows = 4096, cols = 1000;
    float *d_m, *d_rows, *d_out;
    hipMalloc(&d_m, (size_t)rows * cols * sizeof(float));
    hipMalloc(&d_rows, rows * sizeof(float));
    hipMalloc(&d_out, sizeof(float));
    hipMemset(d_m, 0, (size_t)rows * cols * sizeof(float));
    hipMemset(d_out, 0, sizeof(float));

    sum_rows<<<rows, 256>>>(d_m, d_rows, cols);

    const int threads = 512;
    const size_t smem = (threads / 32) * sizeof(float);  // HAZARD(warp-size): per-warp smem sized with 32 lanes
    sum_squares<<<128, threads, smem>>>(d_m, d_out, rows * cols);

    hipError_t err = hipDeviceSynchronize();
    if (err != hipSuccess) {
        fprintf(stderr, "reduction failed: %s\n", hipGetErrorString(err));
        return 1;
    }
    float h_out = -1.0f;
    hipMemcpy(&h_out, d_out, sizeof(float), hipMemcpyDeviceToHost);
    printf("sum of squares = %f\n", h_out);

    hipFree(d_m);
    hipFree(d_rows);
    hipFree(d_out);
    return 0;
}
