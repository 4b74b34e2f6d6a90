// porter-options: hip_version=5.2 offload_arch=gfx90a launch_syntax=ggl
// Every launch form becomes hipLaunchKernelGGL; templates are parenthesised.
#include <hip/hip_runtime.h>
template <typename T, int N> __global__ void scale(T* x, T a) { x[threadIdx.x] *= a; }
__global__ void noargs() {}
void run(float* x, hipStream_t stream, int n) {
  dim3 grid((n + 255) / 256), block(256);
  hipLaunchKernelGGL((scale<float, 4>), dim3(grid), dim3(block), 0, 0, x, 2.0f);
  hipLaunchKernelGGL((scale<float, 4>), dim3(grid), dim3(block), 256 * sizeof(float), stream, x, 3.0f);
  hipLaunchKernelGGL(noargs, dim3(1), dim3(1), 0, 0);
  hipLaunchKernelGGL(noargs, dim3(1, 2), dim3(32, 4), 0, 0);
}
