// porter-options: hip_version=5.2 offload_arch=gfx90a
// CUDA APIs porter has no HIP name for are reported; the file's own cuda-named helpers are not.
#include <cuda_runtime.h>
#include <cudnn.h>
static void cudaCheckLast(const char* where) { (void)where; }
void f(cudnnHandle_t handle, cudaStream_t s) {
  cudaCheckLast("start");
  cudaStreamSetAttribute(s, cudaStreamAttributeAccessPolicyWindow, nullptr);
  cudnnCreate(&handle);
}
