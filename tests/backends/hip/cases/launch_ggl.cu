// porter-options: hip_version=5.2 offload_arch=gfx90a launch_syntax=ggl
// Every launch form becomes hipLaunchKernelGGL; templates are parenthesised.
#include <cuda_runtime.h>
template <typename T, int N> __global__ void scale(T* x, T a) { x[threadIdx.x] *= a; }
__global__ void noargs() {}
void run(float* x, cudaStream_t stream, int n) {
  dim3 grid((n + 255) / 256), block(256);
  scale<float, 4><<<grid, block>>>(x, 2.0f);
  scale<float, 4><<<grid, block, 256 * sizeof(float), stream>>>(x, 3.0f);
  noargs<<<1, 1>>>();
  noargs<<<dim3(1, 2), dim3(32, 4), 0>>>();
}
