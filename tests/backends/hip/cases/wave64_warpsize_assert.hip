// porter-options: hip_version=6.3 offload_arch=gfx90a
// A row of 32 threads per blockDim.y: the constant is the row width, not the wavefront size.
#include <hip/hip_runtime.h>
#include <cassert>
constexpr int WarpSize = 32;

__global__ void row_sum(const float* x, float* out, int cols) {
    assert(blockDim.x == WarpSize);
    int row = blockIdx.x * blockDim.y + threadIdx.y;
    float v = 0.0f;
    for (int c = threadIdx.x; c < cols; c += WarpSize) v += x[row * cols + c];
    for (int o = WarpSize / 2; o > 0; o /= 2) v += __shfl_xor_sync(__activemask(), v, o, 32);
    if (threadIdx.x == 0) out[row] = v;
}

void launch(const float* x, float* out, int rows, int cols) {
    row_sum<<<rows / 4, dim3(WarpSize, 4)>>>(x, out, cols);
}
