// 25_cg_coalesced_groups.cu
// Exercises: cg::coalesced_threads() inside a divergent branch, coalesced_group
// thread_rank()/size()/shfl(), cg::reduce on a coalesced group, and a
// warp-aggregated atomic counter written twice: once with cooperative groups
// (portable) and once with raw __activemask/__ffs/__popc/__shfl_sync, which
// keeps lane masks in 32-bit unsigned variables.
// Warp-size hazards: in the raw-intrinsic version only.

#include <cstdio>
#include <hip/hip_runtime.h>
#include <hip/hip_cooperative_groups.h>
// porter: __activemask() for HIP before 6.2 -- the lanes executing this call.
static __device__ inline unsigned long long __porter_activemask() { return __ballot(1); }
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

// Portable version: the group knows its own size and lane ranks.
__device__ int aggregated_inc_cg(int* counter)
{
    cg::coalesced_group active = cg::coalesced_threads();
    int base = 0;
    if (active.thread_rank() == 0) base = atomicAdd(counter, static_cast<int>(active.size()));
    base = active.shfl(base, 0);
    return base + static_cast<int>(active.thread_rank());
}

// Raw version: the same algorithm with hand-made 32-bit lane masks.
__device__ int aggregated_inc_raw(int* counter)
{
    unsigned long long active = __porter_activemask();  // HAZARD(warp-size): lane mask kept in 32 bits
    int lane = threadIdx.x & (warpSize - 1);  // HAZARD(warp-size): lane id assumes 32 lanes
    int leader = __ffsll(active) - 1;  // HAZARD(warp-size): __ffs of a 32-bit lane mask
    int rank = __popcll(active & ((1ull << lane) - 1));  // HAZARD(warp-size): 32-bit lanemask below this lane
    int base = 0;
    if (lane == leader) base = atomicAdd(counter, __popcll(active));  // HAZARD(warp-size): __popc of a 32-bit lane mask
    base = __shfl_sync(active, base, leader);
    return base + rank;
}

__global__ void filter_positive(const float* in, float* out_cg, float* out_raw, int* count_cg,
                                int* count_raw, float* sum_pos, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float v = in[i];
    if (v > 0.0f) {
        out_cg[aggregated_inc_cg(count_cg)] = v;
        out_raw[aggregated_inc_raw(count_raw)] = v;

        cg::coalesced_group pos = cg::coalesced_threads();
        float s = __porter_cg::reduce(pos, v, __porter_cg::plus<float>());
        if (pos.thread_rank() == 0) atomicAdd(sum_pos, s);
    }
}

int main()
{
    const int n = 1 << 20;
    float *d_in, *d_a, *d_b, *d_sum;
    int *d_ca, *d_cb;
    hipMalloc(&d_in, n * sizeof(float));
    hipMalloc(&d_a, n * sizeof(float));
    hipMalloc(&d_b, n * sizeof(float));
    hipMalloc(&d_sum, sizeof(float));
    hipMalloc(&d_ca, sizeof(int));
    hipMalloc(&d_cb, sizeof(int));

    float* h_in = new float[n];
    for (int i = 0; i < n; ++i) h_in[i] = (i % 3 == 0) ? 1.0f : -1.0f;
    hipMemcpy(d_in, h_in, n * sizeof(float), hipMemcpyHostToDevice);
    hipMemset(d_ca, 0, sizeof(int));
    hipMemset(d_cb, 0, sizeof(int));
    hipMemset(d_sum, 0, sizeof(float));

    filter_positive<<<(n + 255) / 256, 256>>>(d_in, d_a, d_b, d_ca, d_cb, d_sum, n);
    hipError_t err = hipDeviceSynchronize();
    int ca = 0, cb = 0;
    hipMemcpy(&ca, d_ca, sizeof(int), hipMemcpyDeviceToHost);
    hipMemcpy(&cb, d_cb, sizeof(int), hipMemcpyDeviceToHost);
    printf("%s: cg kept %d, raw kept %d (expect %d)\n", hipGetErrorString(err), ca, cb, (n + 2) / 3);

    delete[] h_in;
    hipFree(d_in); hipFree(d_a); hipFree(d_b);
    hipFree(d_sum); hipFree(d_ca); hipFree(d_cb);
    return 0;
}
