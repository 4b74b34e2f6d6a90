// porter-options: hip_version=5.2 offload_arch=gfx90a
// Headers map once; macro bodies and every #if branch are translated; comments and strings are not.
#include <cuda.h>
#include <cuda_runtime.h>
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <cooperative_groups.h>
#define CUDA_CHECK(call) do { cudaError_t err = (call); if (err != cudaSuccess) { \
  fprintf(stderr, "cudaMalloc/cudaMemcpy failed: %s\n", cudaGetErrorString(err)); exit(1); } } while (0)
/* cudaFree(ptr) is called below */
#ifdef __CUDA_ARCH__
#define ON_DEVICE 1
#endif
#if CUDART_VERSION >= 11000
static void sync_all() { cudaDeviceSynchronize(); }
#else
static void sync_all() { cudaThreadSynchronize(); }
#endif
__global__ void k(__nv_bfloat16* x) { x[0] = __float2bfloat16(__bfloat162float(x[0]) * 2.0f); }
void run(__half* h) {
  CUDA_CHECK(cudaMalloc(&h, 16));
  const char* name = "cudaMemcpyHostToDevice";
  CUDA_CHECK(cudaFree(h));
  sync_all();
}
