// 12_dynamic_smem_attribute.cu
// Exercises: cudaFuncSetAttribute with cudaFuncAttributeMaxDynamicSharedMemorySize
// (to go past the default 48 KiB) and cudaFuncAttributePreferredSharedMemoryCarveout,
// cudaFuncGetAttributes (cudaFuncAttributes fields), cudaFuncSetCacheConfig,
// an extern __shared__ buffer typed through a template, and launches with a
// large dynamic shared memory size on a stream.
// Warp-size hazards: none.

#include <cstdio>
#include <hip/hip_runtime.h>

#define CUDA_OK(call)                                                        \
    do {                                                                     \
        hipError_t st = (call);                                             \
        if (st != hipSuccess) {                                             \
            fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__,               \
                    hipGetErrorString(st));                                 \
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
    CUDA_OK(hipGetDevice(&dev));
    CUDA_OK(hipDeviceGetAttribute(&optin, hipDeviceAttributeSharedMemPerBlockOptin, dev));

    // Use 96 KiB per block if the device allows it.
    size_t smem = 96 * 1024;
    if ((int)smem > optin) smem = optin;
    const int elems = static_cast<int>(smem / sizeof(float));

    CUDA_OK(hipFuncSetAttribute(reinterpret_cast<const void*>(reverse_blocks<float>),
                                 hipFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
    CUDA_OK(hipFuncSetAttribute(reinterpret_cast<const void*>(reverse_blocks<float>),
                                 hipFuncAttributePreferredSharedMemoryCarveout,
                                 cudaSharedmemCarveoutMaxShared));
    CUDA_OK(hipFuncSetCacheConfig(reinterpret_cast<const void*>(reverse_blocks<float>), hipFuncCachePreferShared));

    hipFuncAttributes attr;
    CUDA_OK(hipFuncGetAttributes(&attr, reinterpret_cast<const void*>(reverse_blocks<float>)));
    printf("regs %d, static smem %zu, max dynamic smem %d, max threads %d\n", attr.numRegs,
           attr.sharedSizeBytes, attr.maxDynamicSharedSizeBytes, attr.maxThreadsPerBlock);

    const int blocks = 64;
    const size_t total = (size_t)blocks * elems;
    float *d_in, *d_out;
    CUDA_OK(hipMalloc(&d_in, total * sizeof(float)));
    CUDA_OK(hipMalloc(&d_out, total * sizeof(float)));
    CUDA_OK(hipMemset(d_in, 0, total * sizeof(float)));

    hipStream_t s;
    CUDA_OK(hipStreamCreate(&s));
    reverse_blocks<float><<<blocks, 512, smem, s>>>(d_in, d_out, elems);
    CUDA_OK(hipGetLastError());
    CUDA_OK(hipStreamSynchronize(s));
    printf("reversed %d blocks of %d floats with %zu bytes of dynamic smem\n", blocks, elems, smem);

    CUDA_OK(hipStreamDestroy(s));
    CUDA_OK(hipFree(d_in));
    CUDA_OK(hipFree(d_out));
    return 0;
}
