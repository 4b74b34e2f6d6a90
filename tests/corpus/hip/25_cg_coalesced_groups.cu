// 25_cg_coalesced_groups.cu
// Exercises: cg::coalesced_threads() inside a divergent branch, coalesced_group
// thread_rank()/size()/shfl(), cg::reduce on a coalesced group, and a
// warp-aggregated atomic counter written twice: once with cooperative groups
// (portable) and once with raw __activemask/__ffs/__popc/__shfl_sync, which
// keeps lane masks in 32-bit unsigned variables.
// Warp-size hazards: in the raw-intrinsic version only.

#include <cstdio>
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
#include <cuda_runtime.h>

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
    unsigned active = __activemask();  // HAZARD(warp-size): lane mask kept in 32 bits
    int lane = threadIdx.x & 31;  // HAZARD(warp-size): lane id assumes 32 lanes
    int leader = __ffs(active) - 1;  // HAZARD(warp-size): __ffs of a 32-bit lane mask
    int rank = __popc(active & ((1u << lane) - 1));  // HAZARD(warp-size): 32-bit lanemask below this lane
    int base = 0;
    if (lane == leader) base = atomicAdd(counter, __popc(active));  // HAZARD(warp-size): __popc of a 32-bit lane mask
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
        float s = cg::reduce(pos, v, cg::plus<float>());
        if (pos.thread_rank() == 0) atomicAdd(sum_pos, s);
    }
}

int main()
{
    const int n = 1 << 20;
    float *d_in, *d_a, *d_b, *d_sum;
    int *d_ca, *d_cb;
    cudaMalloc(&d_in, n * sizeof(float));
    cudaMalloc(&d_a, n * sizeof(float));
    cudaMalloc(&d_b, n * sizeof(float));
    cudaMalloc(&d_sum, sizeof(float));
    cudaMalloc(&d_ca, sizeof(int));
    cudaMalloc(&d_cb, sizeof(int));

    float* h_in = new float[n];
    for (int i = 0; i < n; ++i) h_in[i] = (i % 3 == 0) ? 1.0f : -1.0f;
    cudaMemcpy(d_in, h_in, n * sizeof(float), cudaMemcpyHostToDevice);
    cudaMemset(d_ca, 0, sizeof(int));
    cudaMemset(d_cb, 0, sizeof(int));
    cudaMemset(d_sum, 0, sizeof(float));

    filter_positive<<<(n + 255) / 256, 256>>>(d_in, d_a, d_b, d_ca, d_cb, d_sum, n);
    cudaError_t err = cudaDeviceSynchronize();
    int ca = 0, cb = 0;
    cudaMemcpy(&ca, d_ca, sizeof(int), cudaMemcpyDeviceToHost);
    cudaMemcpy(&cb, d_cb, sizeof(int), cudaMemcpyDeviceToHost);
    printf("%s: cg kept %d, raw kept %d (expect %d)\n", cudaGetErrorString(err), ca, cb, (n + 2) / 3);

    delete[] h_in;
    cudaFree(d_in); cudaFree(d_a); cudaFree(d_b);
    cudaFree(d_sum); cudaFree(d_ca); cudaFree(d_cb);
    return 0;
}
