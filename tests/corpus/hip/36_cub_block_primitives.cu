// 36_cub_block_primitives.cu
// Exercises: CUB block- and warp-level collectives: cub::BlockReduce with its
// TempStorage in __shared__ (Sum and a custom max functor),
// cub::BlockScan::ExclusiveSum, cub::BlockLoad / cub::BlockStore with
// BLOCK_LOAD_WARP_TRANSPOSE, and cub::WarpReduce whose TempStorage array is
// sized as BLOCK / 32, i.e. with the warp size written in.
// CUB ships with the CUDA toolkit. Warp-size hazards: the WarpReduce sizing.

#include <cstdio>
#include <cub/cub.cuh>
#include <cuda_runtime.h>

struct MaxOp {
    __device__ __forceinline__ float operator()(float a, float b) const { return a > b ? a : b; }
};

template <int BLOCK, int ITEMS>
__global__ void block_stats(const float* __restrict__ in, float* __restrict__ block_sum,
                            float* __restrict__ block_max, int* __restrict__ offsets_out, int n)
{
    using Load = cub::BlockLoad<float, BLOCK, ITEMS, cub::BLOCK_LOAD_WARP_TRANSPOSE>;
    using Reduce = cub::BlockReduce<float, BLOCK>;
    using Scan = cub::BlockScan<int, BLOCK>;
    using Store = cub::BlockStore<int, BLOCK, ITEMS, cub::BLOCK_STORE_WARP_TRANSPOSE>;

    __shared__ union {
        typename Load::TempStorage load;
        typename Reduce::TempStorage reduce;
        typename Scan::TempStorage scan;
        typename Store::TempStorage store;
    } temp;

    const int tile = BLOCK * ITEMS;
    const int base = blockIdx.x * tile;
    const int valid = min(tile, n - base);

    float items[ITEMS];
    Load(temp.load).Load(in + base, items, valid, 0.0f);
    __syncthreads();

    float s = Reduce(temp.reduce).Sum(items);
    __syncthreads();
    float m = Reduce(temp.reduce).Reduce(items, MaxOp());
    __syncthreads();

    int flags[ITEMS], offsets[ITEMS];
    for (int k = 0; k < ITEMS; ++k) flags[k] = items[k] > 0.5f ? 1 : 0;
    Scan(temp.scan).ExclusiveSum(flags, offsets);
    __syncthreads();
    Store(temp.store).Store(offsets_out + base, offsets, valid);

    if (threadIdx.x == 0) {
        block_sum[blockIdx.x] = s;
        block_max[blockIdx.x] = m;
    }
}

template <int BLOCK>
__global__ void warp_sums(const int* __restrict__ in, int* __restrict__ out)
{
    using WarpReduce = cub::WarpReduce<int>;
    __shared__ typename WarpReduce::TempStorage temp[BLOCK / 32];  // HAZARD(warp-size): one slot per 32-lane warp
    int warp_id = threadIdx.x / 32;  // HAZARD(warp-size): warp id assumes 32 lanes
    int v = in[blockIdx.x * BLOCK + threadIdx.x];
    int total = WarpReduce(temp[warp_id]).Sum(v);
    if (threadIdx.x % 32 == 0) out[blockIdx.x * (BLOCK / 32) + warp_id] = total;  // HAZARD(warp-size): lane/warp split by 32
}

int main()
{
    constexpr int BLOCK = 128, ITEMS = 4;
    const int n = 1 << 20;
    const int blocks = (n + BLOCK * ITEMS - 1) / (BLOCK * ITEMS);
    float *d_in, *d_sum, *d_max;
    int *d_offsets, *d_ints, *d_wsum;
    cudaMalloc(&d_in, n * sizeof(float));
    cudaMalloc(&d_sum, blocks * sizeof(float));
    cudaMalloc(&d_max, blocks * sizeof(float));
    cudaMalloc(&d_offsets, n * sizeof(int));
    cudaMalloc(&d_ints, n * sizeof(int));
    cudaMalloc(&d_wsum, (n / 32) * sizeof(int));  // HAZARD(warp-size): one result per 32 lanes
    cudaMemset(d_in, 0, n * sizeof(float));
    cudaMemset(d_ints, 0, n * sizeof(int));

    block_stats<BLOCK, ITEMS><<<blocks, BLOCK>>>(d_in, d_sum, d_max, d_offsets, n);
    warp_sums<256><<<n / 256, 256>>>(d_ints, d_wsum);
    cudaError_t err = cudaDeviceSynchronize();
    printf("CUB block primitives: %s\n", cudaGetErrorString(err));

    cudaFree(d_in); cudaFree(d_sum); cudaFree(d_max);
    cudaFree(d_offsets); cudaFree(d_ints); cudaFree(d_wsum);
    return err == cudaSuccess ? 0 : 1;
}
