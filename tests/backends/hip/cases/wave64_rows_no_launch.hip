// porter-options: hip_version=6.3 offload_arch=gfx90a
// The same row kernel, its launch nowhere in sight: the 64-lane rewrite assumes blocks of a
// multiple of 64 threads in x, with a warning.
#include <hip/hip_runtime.h>
__global__ void row_max(const float* x, float* out, int rows, int cols) {
    int row = blockIdx.x * blockDim.y + threadIdx.y;
    if (row >= rows) return;
    float m = -INFINITY;
    for (int c = threadIdx.x; c < cols; c += warpSize) m = fmaxf(m, x[row * cols + c]);
    for (int o = warpSize / 2; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(__activemask(), m, o));
    if (threadIdx.x == 0) out[row] = m;
}
