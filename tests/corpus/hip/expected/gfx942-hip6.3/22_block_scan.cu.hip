// 22_block_scan.cu
// Exercises: block-wide inclusive prefix sums two ways:
//  (a) warp-level Kogge-Stone scan with __shfl_up_sync, warp totals kept in
//      __shared__ int warp_totals[32] (per-warp, SAFE), the last lane of each
//      warp found with lane == 31, and a second-level scan of the totals;
//  (b) a Hillis-Steele scan in double-buffered extern shared memory (portable).
// Warp-size hazards: several in (a), none in (b).

#include <cstdio>
#include <vector>
#include <hip/hip_runtime.h>

__device__ __forceinline__ int warp_inclusive_scan(int x, int lane)
{
#pragma unroll
    for (int d = 1; d < warpSize; d <<= 1) {  // HAZARD(warp-size): scan spans exactly 32 lanes
        int y = __shfl_up_sync(__activemask(), x, d);  // HAZARD(warp-size): full 32-lane mask
        if (lane >= d) x += y;
    }
    return x;
}

__global__ void block_scan_shfl(const int* in, int* out, int n)
{
    __shared__ int warp_totals[32];  // SAFE(warp-size): per-warp totals, at most 1024/32 warps
    int gid = blockIdx.x * blockDim.x + threadIdx.x;
    int lane = threadIdx.x & (warpSize - 1);  // HAZARD(warp-size): lane id assumes 32 lanes
    int warp = (threadIdx.x) / warpSize;  // HAZARD(warp-size): warp id via >> 5
    int nwarps = (blockDim.x) / warpSize;  // HAZARD(warp-size): warp count via >> 5

    int x = gid < n ? in[gid] : 0;
    x = warp_inclusive_scan(x, lane);
    if (lane == (warpSize - 1)) warp_totals[warp] = x;  // HAZARD(warp-size): last lane of a 32-lane warp
    __syncthreads();

    if (warp == 0) {
        int t = lane < nwarps ? warp_totals[lane] : 0;
        t = warp_inclusive_scan(t, lane);
        if (lane < nwarps) warp_totals[lane] = t;
    }
    __syncthreads();

    if (warp > 0) x += warp_totals[warp - 1];
    if (gid < n) out[gid] = x;
}

__global__ void block_scan_hillis_steele(const int* in, int* out, int n)
{
    extern __shared__ int buf[];  // 2 * blockDim.x ints
    int tid = threadIdx.x;
    int gid = blockIdx.x * blockDim.x + tid;
    int pout = 0, pin = 1;
    buf[tid] = gid < n ? in[gid] : 0;
    __syncthreads();
    for (int offset = 1; offset < blockDim.x; offset <<= 1) {
        pout = 1 - pout;
        pin = 1 - pout;
        int v = buf[pin * blockDim.x + tid];
        if (tid >= offset) v += buf[pin * blockDim.x + tid - offset];
        buf[pout * blockDim.x + tid] = v;
        __syncthreads();
    }
    if (gid < n) out[gid] = buf[pout * blockDim.x + tid];
}

int main()
{
    const int n = 1 << 16;
    const int threads = 512;
    std::vector<int> h_in(n, 1), h_a(n), h_b(n);
    int *d_in, *d_a, *d_b;
    hipMalloc(&d_in, n * sizeof(int));
    hipMalloc(&d_a, n * sizeof(int));
    hipMalloc(&d_b, n * sizeof(int));
    hipMemcpy(d_in, h_in.data(), n * sizeof(int), hipMemcpyHostToDevice);

    block_scan_shfl<<<n / threads, threads>>>(d_in, d_a, n);
    block_scan_hillis_steele<<<n / threads, threads, 2 * threads * sizeof(int)>>>(d_in, d_b, n);
    hipError_t err = hipDeviceSynchronize();
    if (err != hipSuccess) {
        printf("scan failed: %s\n", hipGetErrorString(err));
        return 1;
    }
    hipMemcpy(h_a.data(), d_a, n * sizeof(int), hipMemcpyDeviceToHost);
    hipMemcpy(h_b.data(), d_b, n * sizeof(int), hipMemcpyDeviceToHost);

    int bad = 0;
    for (int i = 0; i < n; ++i) {
        int expect = (i % threads) + 1;
        bad += (h_a[i] != expect) + (h_b[i] != expect);
    }
    printf("block scans: %d mismatches\n", bad);
    hipFree(d_in);
    hipFree(d_a);
    hipFree(d_b);
    return bad ? 1 : 0;
}
