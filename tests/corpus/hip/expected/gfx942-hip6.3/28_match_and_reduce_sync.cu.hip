// 28_match_and_reduce_sync.cu
// Exercises: warp intrinsics that have no direct HIP counterpart:
// __match_any_sync (group lanes holding the same key), __match_all_sync
// (with its predicate out-parameter), and the sm_80+ warp reductions
// __reduce_add_sync, __reduce_min_sync, __reduce_max_sync, __reduce_or_sync.
// Used for a key-aggregated histogram (one atomic per distinct key per warp)
// and a per-warp summary. A porter should report these, not guess.
// Warp-size hazards: several (masks, lane ids and 32-bit peer masks).

#include <cstdio>
#include <hip/hip_runtime.h>

__global__ void keyed_histogram(const int* __restrict__ keys, unsigned* __restrict__ hist,
                                int n, int num_bins)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int lane = threadIdx.x & (warpSize - 1);  // HAZARD(warp-size): lane id assumes 32 lanes
    int key = i < n ? keys[i] % num_bins : -1;

    unsigned long long peers = __match_any_sync(__activemask(), key);  // HAZARD(warp-size): full mask, 32-bit peer set
    int leader = __ffsll(peers) - 1;  // HAZARD(warp-size): __ffs of a 32-bit lane mask
    if (key >= 0 && lane == leader) atomicAdd(&hist[key], (unsigned)__popcll(peers));  // HAZARD(warp-size): __popc of a 32-bit lane mask
}

struct WarpSummary {
    unsigned sum;
    unsigned min;
    unsigned max;
    unsigned bits;
    int uniform;
};

__global__ void warp_summaries(const unsigned* __restrict__ v, WarpSummary* __restrict__ out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    unsigned x = i < n ? v[i] : 0u;

    unsigned s = __reduce_add_sync(0xffffffff, x);  // HAZARD(warp-size): full 32-lane mask
    unsigned lo = __reduce_min_sync(0xffffffff, x);  // HAZARD(warp-size): full 32-lane mask
    unsigned hi = __reduce_max_sync(0xffffffff, x);  // HAZARD(warp-size): full 32-lane mask
    unsigned any_bits = __reduce_or_sync(0xffffffff, x);  // HAZARD(warp-size): full 32-lane mask
    int all_same = 0;
    __match_all_sync(__activemask(), x, &all_same);  // HAZARD(warp-size): full 32-lane mask

    if (threadIdx.x % warpSize == 0) {  // HAZARD(warp-size): first lane of a 32-lane warp
        WarpSummary ws = {s, lo, hi, any_bits, all_same};
        out[i / warpSize] = ws;  // HAZARD(warp-size): warp index via / 32
    }
}

int main()
{
    const int n = 1 << 20;
    const int bins = 64;
    int* d_keys;
    unsigned *d_hist, *d_vals;
    WarpSummary* d_sum;
    hipMalloc(&d_keys, n * sizeof(int));
    hipMalloc(&d_hist, bins * sizeof(unsigned));
    hipMalloc(&d_vals, n * sizeof(unsigned));
    hipMalloc(&d_sum, (n / 32) * sizeof(WarpSummary));  // HAZARD(warp-size): one summary per 32 threads

    int* h_keys = new int[n];
    for (int i = 0; i < n; ++i) h_keys[i] = (i / 7) % 1000;
    hipMemcpy(d_keys, h_keys, n * sizeof(int), hipMemcpyHostToDevice);
    hipMemset(d_hist, 0, bins * sizeof(unsigned));
    hipMemset(d_vals, 0, n * sizeof(unsigned));

    keyed_histogram<<<n / 256, 256>>>(d_keys, d_hist, n, bins);
    warp_summaries<<<n / 256, 256>>>(d_vals, d_sum, n);
    hipError_t err = hipDeviceSynchronize();
    if (err != hipSuccess) {
        fprintf(stderr, "match/reduce kernels: %s\n", hipGetErrorString(err));
        return 1;
    }

    unsigned h_hist[bins];
    hipMemcpy(h_hist, d_hist, sizeof(h_hist), hipMemcpyDeviceToHost);
    unsigned long long total = 0;
    for (int b = 0; b < bins; ++b) total += h_hist[b];
    printf("keyed histogram counted %llu of %d keys\n", total, n);

    delete[] h_keys;
    hipFree(d_keys); hipFree(d_hist);
    hipFree(d_vals); hipFree(d_sum);
    return 0;
}
