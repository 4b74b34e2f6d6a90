// porter-options: hip_version=5.2 offload_arch=gfx90a
// Headers map once; macro bodies and every #if branch are translated; comments and strings are not.
#include <hip/hip_runtime.h>
#include <hip/hip_fp16.h>
#include <hip/hip_bfloat16.h>
#include <hip/hip_cooperative_groups.h>
#define CUDA_CHECK(call) do { hipError_t err = (call); if (err != hipSuccess) { \
  fprintf(stderr, "cudaMalloc/cudaMemcpy failed: %s\n", hipGetErrorString(err)); exit(1); } } while (0)
/* cudaFree(ptr) is called below */
#ifdef __HIP_DEVICE_COMPILE__
#define ON_DEVICE 1
#endif
#if CUDART_VERSION >= 11000
static void sync_all() { hipDeviceSynchronize(); }
#else
static void sync_all() { hipDeviceSynchronize(); }
#endif
__global__ void k(hip_bfloat16* x) { x[0] = hip_bfloat16(float(x[0]) * 2.0f); }
void run(__half* h) {
  CUDA_CHECK(hipMalloc(&h, 16));
  const char* name = "cudaMemcpyHostToDevice";
  CUDA_CHECK(hipFree(h));
  sync_all();
}
