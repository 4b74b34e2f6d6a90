// stencil_shared_halo: a 1-D 3-point stencil staged in shared memory with a halo.
#define B 128
__global__ void stencil3(const float* in, float* out, int n) {
    __shared__ float tile[B + 2];
    int i = blockIdx.x * B + threadIdx.x;
    int l = threadIdx.x + 1;
    tile[l] = i < n ? in[i] : 0.0f;
    if (threadIdx.x == 0) tile[0] = i > 0 ? in[i - 1] : 0.0f;
    if (threadIdx.x == B - 1) tile[B + 1] = i + 1 < n ? in[i + 1] : 0.0f;
    __syncthreads();
    if (i < n) out[i] = 0.25f * tile[l - 1] + 0.5f * tile[l] + 0.25f * tile[l + 1];
}
