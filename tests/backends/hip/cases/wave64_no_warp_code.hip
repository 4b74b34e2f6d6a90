// porter-options: hip_version=6.3 offload_arch=gfx90a
// 32-thread blocks without warp-level code: right for any wavefront width, left alone.
#include <hip/hip_runtime.h>
__global__ void scale(float* x, float a, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= a;
}

void run(float* x, float a, int n) {
    scale<<<(n + 31) / 32, 32>>>(x, a, n);
}
