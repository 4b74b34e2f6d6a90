// 36_cub_block_primitives.cu
// Exercises: CUB block- and warp-level collectives: cub::BlockReduce with its
// TempStorage in __shared__ (Sum and a custom max functor),
// cub::BlockScan::ExclusiveSum, cub::BlockLoad / cub::BlockStore with
// BLOCK_LOAD_WARP_TRANSPOSE, and cub::WarpReduce whose TempStorage array is
// sized as BLOCK / 32, i.e. with the warp size written in.
// CUB ships with the CUDA toolkit. Warp-size hazards: the WarpReduce sizing.

#include <cstdio>
#include <hip/hip_runtime.h>
#include <hipcub/hipcub.hpp>

struct MaxOp {
    __device__ __forceinline__ float operator()(float a, float b) const { return a > b ? a : b; }
};

template <int BLOCK, int ITEMS>
__global__ void block_stats(const float* __restrict__ in, float* __restrict__ block_sum,
                            float* __restrict__ block_max, int* __restrict__ offsets_out, int n)
{
    using Load = hipcub::BlockLoad<float, BLOCK, ITEMS, hipcub::BLOCK_LOAD_WARP_TRANSPOSE>;
    using Reduce = hipcub::BlockReduce<float, BLOCK>;
    using Scan = hipcub::BlockScan<int, BLOCK>;
    using Store = hipcub::BlockStore<int, BLOCK, ITEMS, hipcub::BLOCK_STORE_WARP_TRANSPOSE>;

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
    using WarpReduce = hipcub::WarpReduce<int>;
    __shared__ typename WarpReduce::TempStorage temp[BLOCK / 64];  // HAZARD(warp-size): one slot per 32-lane warp
    int warp_id = threadIdx.x / warpSize;  // HAZARD(warp-size): warp id assumes 32 lanes
    int v = in[blockIdx.x * BLOCK + threadIdx.x];
    int total = WarpReduce(temp[warp_id]).Sum(v);
    if (threadIdx.x % warpSize == 0) out[blockIdx.x * (BLOCK / 32) + warp_id] = total;  // HAZARD(warp-size): lane/warp split by 32
}

int main()
{
    constexpr int BLOCK = 128, ITEMS = 4;
    const int n = 1 << 20;
    const int blocks = (n + BLOCK * ITEMS - 1) / (BLOCK * ITEMS);
    float *d_in, *d_sum, *d_max;
    int *d_offsets, *d_ints, *d_wsum;
    hipMalloc(&d_in, n * sizeof(float));
    hipMalloc(&d_sum, blocks * sizeof(float));
    hipMalloc(&d_max, blocks * sizeof(float));
    hipMalloc(&d_offsets, n * sizeof(int));
    hipMalloc(&d_ints, n * sizeof(int));
    hipMalloc(&d_wsum, (n / 32) * sizeof(int));  // HAZARD(warp-size): one result per 32 lanes
    hipMemset(d_in, 0, n * sizeof(float));
    hipMemset(d_ints, 0, n * sizeof(int));

    hipLaunchKernelGGL((block_stats<BLOCK, ITEMS>), dim3(blocks), dim3(BLOCK), 0, 0, d_in, d_sum, d_max, d_offsets, n);
    hipLaunchKernelGGL((warp_sums<256>), dim3(n / 256), dim3(256), 0, 0, d_ints, d_wsum);
    hipError_t err = hipDeviceSynchronize();
    printf("CUB block primitives: %s\n", hipGetErrorString(err));

    hipFree(d_in); hipFree(d_sum); hipFree(d_max);
    hipFree(d_offsets); hipFree(d_ints); hipFree(d_wsum);
    return err == hipSuccess ? 0 : 1;
}
