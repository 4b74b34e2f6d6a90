// porter-options: hip_version=6.3 offload_arch=gfx942
// Device intrinsics at HIP 6.3: what HIP 6.3 has stays; the rest as for 5.2.
#include <cuda_fp16.h>
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
namespace cg = cooperative_groups;
#define FULL uint32_t(-1)
__global__ void k(unsigned* a, const float* f, float* g, __half* h, float4* q) {
  unsigned x = a[threadIdx.x];
  a[0] = __vmaxs4(x, a[1]) + __vabsdiffu4(x, 3u) + __vsub2(x, 1u) + __vsadu4(x, x) + __vcmpeq4(x, 0u);
  float v = __ldcs(f + threadIdx.x) + __ldcg(&f[1]) + __ldlu(f) + ::__shfl_xor_sync(0xffffffff, 1.0f, 1);
  float4 w = __ldcv(q);
  __stcs(g, v);
  __stwt(q + 1, w);
  h[0] = __hmax(h[1], h[2]);
  v += __shfl_sync(FULL, v, 0) + __shfl_down_sync<float>(0xffffffff, v, 1);
  cg::thread_block_tile<32> tile = cg::tiled_partition<32>(cg::this_thread_block());
  g[1] = cg::reduce(tile, v, cg::plus<float>()) + cg::reduce(tile, v, cg::greater<float>());
  a[3] = cooperative_groups::reduce(tile, x, cooperative_groups::bit_xor<unsigned>());
  a[2] = __vavgs4(x, x);
}
