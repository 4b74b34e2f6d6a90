// printer expected-output case: a templated block reduction with helpers, globals and a launch.
#define WARP 32
__constant__ float scale[4];

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = WARP / 2; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    return v;
}

template <int BLOCK>
__global__ void __launch_bounds__(BLOCK) reduce(const float* __restrict__ in, float* out, int n) {
    __shared__ float partial[BLOCK / WARP];
    int i = blockIdx.x * BLOCK + threadIdx.x;
    float v = i < n ? in[i] * scale[0] : 0.0f;
    v = warp_sum(v);
    if ((threadIdx.x & (WARP - 1)) == 0) partial[threadIdx.x / WARP] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        float total = 0.0f;
        for (int w = 0; w < BLOCK / WARP; ++w) total += partial[w];
        atomicAdd(out, total);
    }
}

void launch(const float* in, float* out, int n) {
    reduce<256><<<(n + 255) / 256, 256>>>(in, out, n);
}
