// porter-options: hip_version=6.3 offload_arch=gfx90a launches=row_max=32,4
// Rows of 32 threads (blocks [32, 4], launched from another file and named by the launches option):
// each CUDA warp is one 32-lane half of a 64-lane wavefront, so the shuffles keep a width of 32.
#include <hip/hip_runtime.h>
__global__ void row_max(const float* x, float* out, int rows, int cols) {
    int row = blockIdx.x * blockDim.y + threadIdx.y;
    if (row >= rows) return;
    float m = -INFINITY;
    for (int c = threadIdx.x; c < cols; c += 32) m = fmaxf(m, x[row * cols + c]);
    for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(__activemask(), m, o, 32));
    if (threadIdx.x == 0) out[row] = m;
}
