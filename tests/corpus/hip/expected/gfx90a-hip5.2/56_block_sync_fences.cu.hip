// 56_block_sync_fences.cu
// Exercises: block-level synchronisation built-ins and memory fences:
// __syncthreads_count, __syncthreads_and, __syncthreads_or, __threadfence,
// __threadfence_block, __launch_bounds__(256, 2), a volatile shared flag, and
// the single-pass "last block finishes the reduction" pattern driven by
// atomicInc on a global ticket counter; plus a global spin lock with
// atomicCAS / atomicExch and __nanosleep back-off.
// Warp-size hazards: none; one SAFE line (a back-off delay of 32 ns).

#include <cstdio>
#include <hip/hip_runtime.h>
#ifndef PORTER_HELPER_SYNCTHREADS_VOTES
#define PORTER_HELPER_SYNCTHREADS_VOTES
// porter: __syncthreads_and/_or/_count through a shared word (HIP 5.2's stop the compiler for 64-lane GPUs)
static __device__ inline int __porter_syncthreads_vote(int predicate, int kind) {
  __shared__ int __porter_vote;
  __syncthreads();  // every thread has read the previous vote
  if (threadIdx.x == 0 && threadIdx.y == 0 && threadIdx.z == 0) __porter_vote = kind == 0 ? 1 : 0;
  __syncthreads();
  if (kind == 0 && !predicate) atomicAnd(&__porter_vote, 0);
  if (kind == 1 && predicate) atomicOr(&__porter_vote, 1);
  if (kind == 2 && predicate) atomicAdd(&__porter_vote, 1);
  __syncthreads();
  return __porter_vote;
}
static __device__ inline int __porter_syncthreads_and(int predicate) { return __porter_syncthreads_vote(predicate, 0); }
static __device__ inline int __porter_syncthreads_or(int predicate) { return __porter_syncthreads_vote(predicate, 1); }
static __device__ inline int __porter_syncthreads_count(int predicate) { return __porter_syncthreads_vote(predicate, 2); }
#endif

constexpr int kBlock = 256;

__device__ unsigned int g_tickets = 0;

__global__ void __launch_bounds__(kBlock, 2)
sum_single_pass(const float* __restrict__ in, float* __restrict__ partials, float* __restrict__ total,
                int* __restrict__ stats, int n)
{
    __shared__ float sdata[kBlock];
    __shared__ bool is_last;
    int tid = threadIdx.x;
    int i = blockIdx.x * kBlock + tid;
    float v = i < n ? in[i] : 0.0f;
    sdata[tid] = v;

    int positives = __porter_syncthreads_count(v > 0.0f);
    int all_finite = __porter_syncthreads_and(isfinite(v));
    int any_negative = __porter_syncthreads_or(v < 0.0f);

    for (int s = kBlock / 2; s > 0; s >>= 1) {
        if (tid < s) sdata[tid] += sdata[tid + s];
        __syncthreads();
    }

    if (tid == 0) {
        partials[blockIdx.x] = sdata[0];
        atomicAdd(&stats[0], positives);
        if (!all_finite) atomicExch(&stats[1], 1);
        if (any_negative) atomicAdd(&stats[2], 1);
        __threadfence();  // make the partial visible before taking a ticket
        unsigned ticket = atomicInc(&g_tickets, gridDim.x);
        is_last = (ticket == gridDim.x - 1);
    }
    __syncthreads();

    if (is_last) {
        float acc = 0.0f;
        for (int b = tid; b < gridDim.x; b += kBlock) acc += partials[b];
        sdata[tid] = acc;
        __syncthreads();
        for (int s = kBlock / 2; s > 0; s >>= 1) {
            if (tid < s) sdata[tid] += sdata[tid + s];
            __syncthreads();
        }
        if (tid == 0) {
            *total = sdata[0];
            g_tickets = 0;  // ready for the next launch
        }
    }
}

// Publish inside the block with a block-scope fence, then take a global
// spin lock (one thread per block) with exponential __nanosleep back-off.
__global__ void guarded_update(int* lock, int* counter, int* data)
{
    __shared__ volatile int ready;
    if (threadIdx.x == 0) {
        ready = 0;
        data[blockIdx.x] = blockIdx.x * 10;
        __threadfence_block();
        ready = 1;
    }
    __syncthreads();
    if (threadIdx.x == 1 && ready) data[blockIdx.x] += 1;

    if (threadIdx.x == 0) {
        unsigned ns = 32;  // SAFE(warp-size): initial back-off in nanoseconds
        while (atomicCAS(lock, 0, 1) != 0) {
            __nanosleep(ns);
            if (ns < 4096) ns *= 2;
        }
        __threadfence();
        *counter += 1;
        __threadfence();
        atomicExch(lock, 0);
    }
}

int main()
{
    const int n = 1 << 20, blocks = (n + kBlock - 1) / kBlock;
    float *d_in, *d_partials, *d_total;
    int *d_stats, *d_lock, *d_counter, *d_data;
    hipMalloc(&d_in, n * sizeof(float));
    hipMalloc(&d_partials, blocks * sizeof(float));
    hipMalloc(&d_total, sizeof(float));
    hipMalloc(&d_stats, 3 * sizeof(int));
    hipMalloc(&d_lock, sizeof(int));
    hipMalloc(&d_counter, sizeof(int));
    hipMalloc(&d_data, 64 * sizeof(int));
    hipMemset(d_in, 0, n * sizeof(float));
    hipMemset(d_stats, 0, 3 * sizeof(int));
    hipMemset(d_lock, 0, sizeof(int));
    hipMemset(d_counter, 0, sizeof(int));

    sum_single_pass<<<blocks, kBlock>>>(d_in, d_partials, d_total, d_stats, n);
    guarded_update<<<64, 64>>>(d_lock, d_counter, d_data);
    hipError_t err = hipDeviceSynchronize();
    float total = -1.0f;
    hipMemcpy(&total, d_total, sizeof(float), hipMemcpyDeviceToHost);
    printf("%s: total = %f\n", hipGetErrorString(err), total);

    hipFree(d_in); hipFree(d_partials); hipFree(d_total);
    hipFree(d_stats); hipFree(d_lock); hipFree(d_counter); hipFree(d_data);
    return err == hipSuccess ? 0 : 1;
}
