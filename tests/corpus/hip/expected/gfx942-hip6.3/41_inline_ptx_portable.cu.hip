// 41_inline_ptx_portable.cu
// Exercises: inline PTX whose effect has a direct HIP/AMD counterpart:
//   mov.u32 %laneid, %lanemask_lt and %smid; mov.u64 %clock64 and
//   %globaltimer; membar.gl (a device-scope fence); bfe.u32 (bit-field
//   extract), brev.b32 (bit reverse) and popc.b32 (population count).
// The lane id read from %laneid is correct on any hardware; the lanemask is
// read into a 32-bit register and combined with a 32-bit ballot, which is not.
// Warp-size hazards: the 32-bit lanemask/ballot lines (marked).

#include <cstdio>
#include <hip/hip_runtime.h>

__device__ __forceinline__ unsigned ptx_lane_id()
{
    unsigned lane;
    lane = __lane_id();
    return lane;
}

__device__ __forceinline__ unsigned ptx_lanemask_lt()
{
    unsigned mask;
    mask = (unsigned)__lanemask_lt();  // HAZARD(warp-size): lane mask read into 32 bits
    return mask;
}

__device__ __forceinline__ unsigned ptx_sm_id()
{
    unsigned id;
    id = __smid();
    return id;
}

__device__ __forceinline__ unsigned long long ptx_clock64()
{
    unsigned long long t;
    t = clock64();
    return t;
}

__device__ __forceinline__ unsigned long long ptx_globaltimer_ns()
{
    unsigned long long ns;
    ns = wall_clock64();
    return ns;
}

__device__ __forceinline__ unsigned ptx_bfe(unsigned x, unsigned pos, unsigned len)
{
    unsigned r;
    r = __bitextract_u32((x), (pos), (len));
    return r;
}

__device__ __forceinline__ unsigned ptx_brev(unsigned x)
{
    unsigned r;
    r = __brev((x));
    return r;
}

__device__ __forceinline__ unsigned ptx_popc(unsigned x)
{
    unsigned r;
    r = __popc((x));
    return r;
}

// Each lane's rank among the lanes of its warp whose flag is set.
__global__ void flag_ranks(const int* flags, int* ranks, unsigned long long* cycles, unsigned* sm_of_block)
{
    unsigned long long t0 = ptx_clock64();
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    bool set = flags[i] != 0;
    unsigned long long ballot = __ballot_sync(__activemask(), set);  // HAZARD(warp-size): ballot kept in 32 bits, full mask
    ranks[i] = set ? (int)ptx_popc(ballot & ptx_lanemask_lt()) : -1;  // HAZARD(warp-size): popcount over a 32-bit ballot
    if (ptx_lane_id() == 0) cycles[i / warpSize] = ptx_clock64() - t0;
    if (threadIdx.x == 0) sm_of_block[blockIdx.x] = ptx_sm_id();
}

// Unpack bit fields, publish, then raise a flag after a device-wide fence.
__global__ void unpack_and_publish(const unsigned* packed, unsigned* fields, unsigned* reversed,
                                   volatile int* ready, unsigned long long* stamp, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        unsigned w = packed[i];
        fields[3 * i + 0] = ptx_bfe(w, 0, 10);
        fields[3 * i + 1] = ptx_bfe(w, 10, 10);
        fields[3 * i + 2] = ptx_bfe(w, 20, 12);
        reversed[i] = ptx_brev(w);
    }
    __threadfence();
    if (i == 0) {
        *ready = 1;
        *stamp = ptx_globaltimer_ns();
    }
}

int main()
{
    const int n = 4096, threads = 256, blocks = n / threads;
    int *flags, *ranks, *ready;
    unsigned *packed, *fields, *reversed, *sms;
    unsigned long long *cycles, *stamp;
    hipMalloc(&flags, n * sizeof(int));
    hipMalloc(&ranks, n * sizeof(int));
    hipMalloc(&ready, sizeof(int));
    hipMalloc(&packed, n * sizeof(unsigned));
    hipMalloc(&fields, 3 * n * sizeof(unsigned));
    hipMalloc(&reversed, n * sizeof(unsigned));
    hipMalloc(&sms, blocks * sizeof(unsigned));
    hipMalloc(&cycles, n * sizeof(unsigned long long));
    hipMalloc(&stamp, sizeof(unsigned long long));
    hipMemset(flags, 0, n * sizeof(int));
    hipMemset(packed, 0xab, n * sizeof(unsigned));

    flag_ranks<<<blocks, threads>>>(flags, ranks, cycles, sms);
    unpack_and_publish<<<blocks, threads>>>(packed, fields, reversed, ready, stamp, n);
    hipError_t err = hipDeviceSynchronize();
    printf("inline PTX kernels: %s\n", hipGetErrorString(err));

    hipFree(flags); hipFree(ranks); hipFree(ready); hipFree(packed);
    hipFree(fields); hipFree(reversed); hipFree(sms); hipFree(cycles); hipFree(stamp);
    return err == hipSuccess ? 0 : 1;
}
