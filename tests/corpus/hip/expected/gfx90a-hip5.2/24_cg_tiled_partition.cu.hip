// 24_cg_tiled_partition.cu
// Exercises: cooperative groups below block scope: cg::thread_block,
// static cg::tiled_partition<32> and <16> (thread_block_tile), tile.shfl_down
// and tile.shfl_xor in reduction loops, tile.sync(), tile.thread_rank(),
// meta_group_size()/meta_group_rank() to index per-tile partials, cg::reduce
// with cg::plus and cg::greater, tile.any()/tile.ballot(), and a dynamic
// cg::tiled_partition(block, 32) returning a thread_group.
// Every 32 and 16 here is an explicit TILE width, which is valid on 64-lane
// hardware too, so the lines that carry them are marked SAFE.
// Warp-size hazards: none; SAFE lines for the explicit tile widths.

#include <cstdio>
#include <hip/hip_runtime.h>
#include <hip/hip_cooperative_groups.h>
#ifndef PORTER_HELPER_CG_REDUCE
#define PORTER_HELPER_CG_REDUCE
// porter: cooperative_groups::reduce for HIP before 6.1 -- a butterfly of shfl_xor over the
// tile, so that every thread of the tile gets the result, as with cg::reduce.
namespace __porter_cg {
template <class T> struct plus { __device__ T operator()(T a, T b) const { return a + b; } };
template <class T> struct less { __device__ T operator()(T a, T b) const { return a < b ? a : b; } };
template <class T> struct greater { __device__ T operator()(T a, T b) const { return a < b ? b : a; } };
template <class T> struct bit_and { __device__ T operator()(T a, T b) const { return a & b; } };
template <class T> struct bit_or { __device__ T operator()(T a, T b) const { return a | b; } };
template <class T> struct bit_xor { __device__ T operator()(T a, T b) const { return a ^ b; } };
template <class Group, class T, class Op> __device__ inline T reduce(const Group& group, T value, Op op) {
  for (unsigned int offset = group.size() / 2; offset > 0; offset /= 2)
    value = op(value, group.shfl_xor(value, offset));
  return value;
}
}  // namespace __porter_cg
#endif
#include <hip/hip_cooperative_groups.h>

namespace cg = cooperative_groups;

template <int TILE>
__device__ float tile_sum(cg::thread_block_tile<TILE> tile, float v)
{
    for (int offset = tile.size() / 2; offset > 0; offset /= 2) v += tile.shfl_down(v, offset);
    return v;
}

__global__ void tiles_kernel(const float* in, float* tile_sums, float* tile_max, int* flags, int n)
{
    cg::thread_block block = cg::this_thread_block();
    cg::thread_block_tile<32> t32 = cg::tiled_partition<32>(block);  // SAFE(warp-size): explicit 32-wide tile
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float v = i < n ? in[i] : 0.0f;

    // Hand-written loop over a 32-wide tile: 16 is half the TILE, not the warp.
    float s = v;
    for (int offset = 16; offset > 0; offset /= 2) s += t32.shfl_down(s, offset);  // SAFE(warp-size): tile<32> is explicit
    float s_generic = tile_sum<32>(t32, v);  // SAFE(warp-size): explicit tile width

    float m = __porter_cg::reduce(t32, v, __porter_cg::greater<float>());
    int tile_id = blockIdx.x * t32.meta_group_size() + t32.meta_group_rank();
    if (t32.thread_rank() == 0) {
        tile_sums[tile_id] = s + 0.0f * s_generic;
        tile_max[tile_id] = m;
    }
    t32.sync();

    // Half-width tiles from the 32-wide tile.
    cg::thread_block_tile<16> t16 = cg::tiled_partition<16>(t32);  // SAFE(warp-size): explicit 16-wide tile
    float h = __porter_cg::reduce(t16, v, __porter_cg::plus<float>());
    for (int mask = t16.size() / 2; mask > 0; mask /= 2) v = fmaxf(v, t16.shfl_xor(v, mask));
    bool any_big = t16.any(h > 100.0f);
    unsigned who = t16.ballot(v > 0.0f);
    if (t16.thread_rank() == 0 && any_big) atomicAdd(&flags[0], __popc(who));

    // Dynamic partition: the tile size is a runtime value.
    cg::thread_group dyn = cg::tiled_partition(block, 32);  // SAFE(warp-size): explicit dynamic tile width
    dyn.sync();
    if (dyn.thread_rank() == 0) atomicAdd(&flags[1], 1);
    block.sync();
}

int main()
{
    const int n = 1 << 16;
    const int threads = 256;
    const int blocks = n / threads;
    const int tiles = n / 32;  // SAFE(warp-size): count of explicit 32-wide tiles
    float *d_in, *d_sums, *d_max;
    int* d_flags;
    hipMalloc(&d_in, n * sizeof(float));
    hipMalloc(&d_sums, tiles * sizeof(float));
    hipMalloc(&d_max, tiles * sizeof(float));
    hipMalloc(&d_flags, 2 * sizeof(int));
    hipMemset(d_in, 0, n * sizeof(float));
    hipMemset(d_flags, 0, 2 * sizeof(int));

    tiles_kernel<<<blocks, threads>>>(d_in, d_sums, d_max, d_flags, n);
    hipError_t err = hipDeviceSynchronize();
    int h_flags[2] = {0, 0};
    hipMemcpy(h_flags, d_flags, sizeof(h_flags), hipMemcpyDeviceToHost);
    printf("tiles_kernel: %s, dynamic tiles seen: %d\n", hipGetErrorString(err), h_flags[1]);

    hipFree(d_in);
    hipFree(d_sums);
    hipFree(d_max);
    hipFree(d_flags);
    return err == hipSuccess ? 0 : 1;
}
