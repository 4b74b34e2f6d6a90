// 41_inline_ptx_portable.cu
// Exercises: inline PTX whose effect has a direct HIP/AMD counterpart:
//   mov.u32 %laneid, %lanemask_lt and %smid; mov.u64 %clock64 and
//   %globaltimer; membar.gl (a device-scope fence); bfe.u32 (bit-field
//   extract), brev.b32 (bit reverse) and popc.b32 (population count).
// The lane id read from %laneid is correct on any hardware; the lanemask is
// read into a 32-bit register and combined with a 32-bit ballot, which is not.
// Warp-size hazards: the 32-bit lanemask/ballot lines (marked).

#include <cstdio>
#include <cuda_runtime.h>

__device__ __forceinline__ unsigned ptx_lane_id()
{
    unsigned lane;
    asm volatile("mov.u32 %0, %%laneid;" : "=r"(lane));
    return lane;
}

__device__ __forceinline__ unsigned ptx_lanemask_lt()
{
    unsigned mask;
    asm volatile("mov.u32 %0, %%lanemask_lt;" : "=r"(mask));  // HAZARD(warp-size): lane mask read into 32 bits
    return mask;
}

__device__ __forceinline__ unsigned ptx_sm_id()
{
    unsigned id;
    asm volatile("mov.u32 %0, %%smid;" : "=r"(id));
    return id;
}

__device__ __forceinline__ unsigned long long ptx_clock64()
{
    unsigned long long t;
    asm volatile("mov.u64 %0, %%clock64;" : "=l"(t));
    return t;
}

__device__ __forceinline__ unsigned long long ptx_globaltimer_ns()
{
    unsigned long long ns;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(ns));
    return ns;
}

__device__ __forceinline__ unsigned ptx_bfe(unsigned x, unsigned pos, unsigned len)
{
    unsigned r;
    asm("bfe.u32 %0, %1, %2, %3;" : "=r"(r) : "r"(x), "r"(pos), "r"(len));
    return r;
}

__device__ __forceinline__ unsigned ptx_brev(unsigned x)
{
    unsigned r;
    asm("brev.b32 %0, %1;" : "=r"(r) : "r"(x));
    return r;
}

__device__ __forceinline__ unsigned ptx_popc(unsigned x)
{
    unsigned r;
    asm("popc.b32 %0, %1;" : "=r"(r) : "r"(x));
    return r;
}

// Each lane's rank among the lanes of its warp whose flag is set.
__global__ void flag_ranks(const int* flags, int* ranks, unsigned long long* cycles, unsigned* sm_of_block)
{
    unsigned long long t0 = ptx_clock64();
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    bool set = flags[i] != 0;
    unsigned ballot = __ballot_sync(0xffffffff, set);  // HAZARD(warp-size): ballot kept in 32 bits, full mask
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
    asm volatile("membar.gl;" ::: "memory");
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
    cudaMalloc(&flags, n * sizeof(int));
    cudaMalloc(&ranks, n * sizeof(int));
    cudaMalloc(&ready, sizeof(int));
    cudaMalloc(&packed, n * sizeof(unsigned));
    cudaMalloc(&fields, 3 * n * sizeof(unsigned));
    cudaMalloc(&reversed, n * sizeof(unsigned));
    cudaMalloc(&sms, blocks * sizeof(unsigned));
    cudaMalloc(&cycles, n * sizeof(unsigned long long));
    cudaMalloc(&stamp, sizeof(unsigned long long));
    cudaMemset(flags, 0, n * sizeof(int));
    cudaMemset(packed, 0xab, n * sizeof(unsigned));

    flag_ranks<<<blocks, threads>>>(flags, ranks, cycles, sms);
    unpack_and_publish<<<blocks, threads>>>(packed, fields, reversed, ready, stamp, n);
    cudaError_t err = cudaDeviceSynchronize();
    printf("inline PTX kernels: %s\n", cudaGetErrorString(err));

    cudaFree(flags); cudaFree(ranks); cudaFree(ready); cudaFree(packed);
    cudaFree(fields); cudaFree(reversed); cudaFree(sms); cudaFree(cycles); cudaFree(stamp);
    return err == cudaSuccess ? 0 : 1;
}
