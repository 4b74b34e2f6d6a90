// 12_dynamic_smem_attribute.cu
// Exercises: cudaFuncSetAttribute with cudaFuncAttributeMaxDynamicSharedMemorySize
// (to go past the default 48 KiB) and cudaFuncAttributePreferredSharedMemoryCarveout,
// cudaFuncGetAttributes (cudaFuncAttributes fields), cudaFuncSetCacheConfig,
// an extern __shared__ buffer typed through a template, and launches with a
// large dynamic shared memory size on a stream.
// Warp-size hazards: none.

#include <cstdio>
#include <cuda_runtime.h>

#define CUDA_OK(call)                                                        \
    do {                                                                     \
        cudaError_t st = (call);                                             \
        if (st != cudaSuccess) {                                             \
            fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,               \
                    cudaGetErrorString(st));                                 \
            return 1;                                                        \
        }                                                                    \
    } while (0)

template <typename T>
__global__ void reverse_blocks(const T* in, T* out, int elems_per_block)
{
    extern __shared__ __align__(16) unsigned char smem_raw[];
    T* buf = reinterpret_cast<T*>(smem_raw);
    const T* src = in + (size_t)blockIdx.x * elems_per_block;
    T* dst = out + (size_t)blockIdx.x * elems_per_block;

    for (int i = threadIdx.x; i < elems_per_block; i += blockDim.x) buf[i] = src[i];
    __syncthreads();
    for (int i = threadIdx.x; i < elems_per_block; i += blockDim.x)
        dst[i] = buf[elems_per_block - 1 - i];
}

int main()
{
    int dev = 0, optin = 0;
    CUDA_OK(cudaGetDevice(&dev));
    CUDA_OK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));

    // Use 96 KiB per block if the device allows it.
    size_t smem = 96 * 1024;
    if ((int)smem > optin) smem = optin;
    const int elems = static_cast<int>(smem / sizeof(float));

    CUDA_OK(cudaFuncSetAttribute(reverse_blocks<float>,
                                 cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
    CUDA_OK(cudaFuncSetAttribute(reverse_blocks<float>,
                                 cudaFuncAttributePreferredSharedMemoryCarveout,
                                 cudaSharedmemCarveoutMaxShared));
    CUDA_OK(cudaFuncSetCacheConfig(reverse_blocks<float>, cudaFuncCachePreferShared));

    cudaFuncAttributes attr;
    CUDA_OK(cudaFuncGetAttributes(&attr, reverse_blocks<float>));
    printf("regs %d, static smem %zu, max dynamic smem %d, max threads %d\n", attr.numRegs,
           attr.sharedSizeBytes, attr.maxDynamicSharedSizeBytes, attr.maxThreadsPerBlock);

    const int blocks = 64;
    const size_t total = (size_t)blocks * elems;
    float *d_in, *d_out;
    CUDA_OK(cudaMalloc(&d_in, total * sizeof(float)));
    CUDA_OK(cudaMalloc(&d_out, total * sizeof(float)));
    CUDA_OK(cudaMemset(d_in, 0, total * sizeof(float)));

    cudaStream_t s;
    CUDA_OK(cudaStreamCreate(&s));
    reverse_blocks<float><<<blocks, 512, smem, s>>>(d_in, d_out, elems);
    CUDA_OK(cudaGetLastError());
    CUDA_OK(cudaStreamSynchronize(s));
    printf("reversed %d blocks of %d floats with %zu bytes of dynamic smem\n", blocks, elems, smem);

    CUDA_OK(cudaStreamDestroy(s));
    CUDA_OK(cudaFree(d_in));
    CUDA_OK(cudaFree(d_out));
    return 0;
}
