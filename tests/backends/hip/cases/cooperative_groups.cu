// porter-options: hip_version=5.2 offload_arch=gfx90a
// Cooperative groups exist in HIP; members HIP 5.2 lacks are reported.
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
namespace cg = cooperative_groups;
__global__ void k(float* out) {
  cg::thread_block block = cg::this_thread_block();
  cg::thread_block_tile<32> tile = cg::tiled_partition<32>(block);
  float v = out[block.thread_rank()];
  for (int i = tile.size() / 2; i > 0; i /= 2) v += tile.shfl_down(v, i);
  float s = cg::reduce(tile, v, cg::plus<float>());
  if (tile.thread_rank() == 0) out[tile.meta_group_rank()] = v + s;
}
