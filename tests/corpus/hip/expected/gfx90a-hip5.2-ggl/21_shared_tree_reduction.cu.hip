// 21_shared_tree_reduction.cu
// Exercises: classic shared-memory tree reductions: a static __shared__ array
// sized by a template parameter, an extern __shared__ dynamic version launched
// with <<<g, b, b * sizeof(T)>>>, the "first add during load" trick, a
// __syncthreads() loop down to one element (portable), and the older
// warp-synchronous tail on a volatile pointer entered with tid < 32.
// Warp-size hazards: the hand-off to the warp-synchronous tail (marked).

#include <cstdio>
#include <hip/hip_runtime.h>
// porter: __syncwarp() for HIP before 6.2 -- a wavefront executes in lock step, so a
// wavefront-scope fence on each side of a wave barrier gives __syncwarp's memory ordering.
static __device__ inline void __porter_syncwarp() {
  __builtin_amdgcn_fence(__ATOMIC_RELEASE, "wavefront");
  __builtin_amdgcn_wave_barrier();
  __builtin_amdgcn_fence(__ATOMIC_ACQUIRE, "wavefront");
}

template <unsigned BLOCK>
__global__ void reduce_static(const float* __restrict__ in, float* __restrict__ out, unsigned n)
{
    __shared__ float sdata[BLOCK];
    unsigned tid = threadIdx.x;
    unsigned i = blockIdx.x * (BLOCK * 2) + tid;
    float v = 0.0f;
    if (i < n) v = in[i];
    if (i + BLOCK < n) v += in[i + BLOCK];
    sdata[tid] = v;
    __syncthreads();

    for (unsigned s = BLOCK / 2; s > 0; s >>= 1) {
        if (tid < s) sdata[tid] += sdata[tid + s];
        __syncthreads();
    }
    if (tid == 0) out[blockIdx.x] = sdata[0];
}

template <typename T>
__device__ void warp_tail(volatile T* s, unsigned tid)
{
    s[tid] += s[tid + 32]; __porter_syncwarp();  // HAZARD(warp-size): first step of a 32-thread lockstep tail
    s[tid] += s[tid + 16]; __porter_syncwarp();
    s[tid] += s[tid + 8];  __porter_syncwarp();
    s[tid] += s[tid + 4];  __porter_syncwarp();
    s[tid] += s[tid + 2];  __porter_syncwarp();
    s[tid] += s[tid + 1];
}

template <typename T>
__global__ void reduce_dynamic(const T* __restrict__ in, T* __restrict__ out, unsigned n)
{
    extern __shared__ unsigned char smem_bytes[];
    T* sdata = reinterpret_cast<T*>(smem_bytes);
    unsigned tid = threadIdx.x;
    unsigned i = blockIdx.x * blockDim.x + tid;
    sdata[tid] = (i < n) ? in[i] : T(0);
    __syncthreads();

    for (unsigned s = blockDim.x / 2; s > 32; s >>= 1) {  // HAZARD(warp-size): stops where one 32-lane warp takes over
        if (tid < s) sdata[tid] += sdata[tid + s];
        __syncthreads();
    }
    if (tid < 32) warp_tail<T>(sdata, tid);  // HAZARD(warp-size): tail assumes the last 32 threads are one warp
    if (tid == 0) out[blockIdx.x] = sdata[0];
}

int main()
{
    const unsigned n = 1u << 22;
    const unsigned block = 256;
    const unsigned blocks_static = (n + block * 2 - 1) / (block * 2);
    const unsigned blocks_dyn = (n + block - 1) / block;

    float *d_in, *d_out;
    double *d_in64, *d_out64;
    hipMalloc(&d_in, n * sizeof(float));
    hipMalloc(&d_out, blocks_dyn * sizeof(float));
    hipMalloc(&d_in64, n * sizeof(double));
    hipMalloc(&d_out64, blocks_dyn * sizeof(double));
    hipMemset(d_in, 0, n * sizeof(float));
    hipMemset(d_in64, 0, n * sizeof(double));

    hipLaunchKernelGGL((reduce_static<block>), dim3(blocks_static), dim3(block), 0, 0, d_in, d_out, n);
    hipLaunchKernelGGL((reduce_dynamic<float>), dim3(blocks_dyn), dim3(block), block * sizeof(float), 0, d_in, d_out, n);
    hipLaunchKernelGGL((reduce_dynamic<double>), dim3(blocks_dyn), dim3(block), block * sizeof(double), 0, d_in64, d_out64, n);

    hipError_t err = hipGetLastError();
    if (err == hipSuccess) err = hipDeviceSynchronize();
    printf("tree reductions: %s\n", hipGetErrorString(err));

    hipFree(d_in);
    hipFree(d_out);
    hipFree(d_in64);
    hipFree(d_out64);
    return err == hipSuccess ? 0 : 1;
}
