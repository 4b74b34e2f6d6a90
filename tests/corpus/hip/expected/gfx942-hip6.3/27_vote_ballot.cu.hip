// 27_vote_ballot.cu
// Exercises: warp vote functions: __ballot_sync stored in an unsigned,
// __popc and __ffs of a ballot, __any_sync, __all_sync, and a stream
// compaction that computes each lane's output slot from the ballot and a
// lanemask built with (1u << lane) - 1, plus a count of NaNs per warp.
// Warp-size hazards: many (each is marked on its line).

#include <cmath>
#include <cstdio>
#include <hip/hip_runtime.h>

__global__ void compact_positive(const int* __restrict__ in, int* __restrict__ out,
                                 int* __restrict__ count, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int lane = threadIdx.x % warpSize;  // HAZARD(warp-size): lane id assumes 32 lanes
    int v = (i < n) ? in[i] : 0;
    bool keep = v > 0;

    unsigned long long ballot = __ballot_sync(__activemask(), keep);  // HAZARD(warp-size): ballot kept in 32 bits, full mask
    int warp_count = __popcll(ballot);  // HAZARD(warp-size): __popc of a 32-bit ballot
    int offset = __popcll(ballot & ((1ull << lane) - 1));  // HAZARD(warp-size): 32-bit lanemask arithmetic
    int base = 0;
    if (lane == 0 && warp_count > 0) base = atomicAdd(count, warp_count);
    base = __shfl_sync(__activemask(), base, 0);  // HAZARD(warp-size): full 32-lane mask
    if (keep) out[base + offset] = v;
}

struct WarpFlags {
    int any_nan;
    int all_finite_warps;
    int first_negative_lane;
};

__global__ void scan_flags(const float* __restrict__ x, WarpFlags* flags, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float v = i < n ? x[i] : 0.0f;

    bool has_nan = __any_sync(__activemask(), isnan(v));  // HAZARD(warp-size): full 32-lane mask
    bool finite = __all_sync(__activemask(), isfinite(v));  // HAZARD(warp-size): full 32-lane mask
    int first_neg = __ffsll(__ballot_sync(__activemask(), v < 0.0f)) - 1;  // HAZARD(warp-size): __ffs of a 32-bit ballot

    if ((threadIdx.x & (warpSize - 1)) == 0) {  // HAZARD(warp-size): first lane via & 31
        if (has_nan) atomicExch(&flags->any_nan, 1);
        if (finite) atomicAdd(&flags->all_finite_warps, 1);
        if (first_neg >= 0) atomicMin(&flags->first_negative_lane, first_neg);
    }
}

int main()
{
    const int n = 1 << 20;
    int *d_in, *d_out, *d_count;
    float* d_x;
    WarpFlags* d_flags;
    hipMalloc(&d_in, n * sizeof(int));
    hipMalloc(&d_out, n * sizeof(int));
    hipMalloc(&d_count, sizeof(int));
    hipMalloc(&d_x, n * sizeof(float));
    hipMalloc(&d_flags, sizeof(WarpFlags));

    int* h_in = new int[n];
    for (int i = 0; i < n; ++i) h_in[i] = (i % 5) - 2;
    hipMemcpy(d_in, h_in, n * sizeof(int), hipMemcpyHostToDevice);
    hipMemset(d_count, 0, sizeof(int));
    hipMemset(d_x, 0, n * sizeof(float));
    WarpFlags init = {0, 0, 1 << 30};
    hipMemcpy(d_flags, &init, sizeof(init), hipMemcpyHostToDevice);

    compact_positive<<<(n + 255) / 256, 256>>>(d_in, d_out, d_count, n);
    scan_flags<<<(n + 255) / 256, 256>>>(d_x, d_flags, n);
    hipError_t err = hipDeviceSynchronize();
    if (err != hipSuccess) {
        printf("vote kernels failed: %s\n", hipGetErrorString(err));
        return 1;
    }

    int kept = 0;
    WarpFlags flags;
    hipMemcpy(&kept, d_count, sizeof(int), hipMemcpyDeviceToHost);
    hipMemcpy(&flags, d_flags, sizeof(flags), hipMemcpyDeviceToHost);
    printf("kept %d positives (expect %d); nan=%d finite warps=%d\n", kept, 2 * n / 5,
           flags.any_nan, flags.all_finite_warps);

    delete[] h_in;
    hipFree(d_in); hipFree(d_out); hipFree(d_count);
    hipFree(d_x); hipFree(d_flags);
    return 0;
}
