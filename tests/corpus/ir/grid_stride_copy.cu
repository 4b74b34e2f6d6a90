// grid_stride_copy: a grid-stride loop; the loop counter stays affine in threadIdx.x.
__global__ void grid_stride_copy(const float* in, float* out, size_t n) {
    size_t stride = (size_t)blockDim.x * gridDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        out[i] = in[i] * 2.0f;
    }
}
