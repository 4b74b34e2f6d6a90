// porter-options: hip_version=5.2 offload_arch=gfx90a
// Cooperative groups exist in HIP; members HIP 5.2 lacks are reported.
#include <hip/hip_runtime.h>
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
#include <hip/hip_cooperative_groups.h>
namespace cg = cooperative_groups;
__global__ void k(float* out) {
  cg::thread_block block = cg::this_thread_block();
  cg::thread_block_tile<32> tile = cg::tiled_partition<32>(block);
  float v = out[block.thread_rank()];
  for (int i = tile.size() / 2; i > 0; i /= 2) v += tile.shfl_down(v, i);
  float s = __porter_cg::reduce(tile, v, __porter_cg::plus<float>());
  if (tile.thread_rank() == 0) out[tile.meta_group_rank()] = v + s;
}
