// complex_mul: out = a * conj(b) + c on interleaved complex numbers (float2), through
// __device__ helpers.
__device__ float2 cmul(float2 p, float2 q) {
    return make_float2(p.x * q.x - p.y * q.y, p.x * q.y + p.y * q.x);
}

__device__ float2 conj(float2 p) {
    return make_float2(p.x, -p.y);
}

__device__ float2 cadd(float2 p, float2 q) {
    return make_float2(p.x + q.x, p.y + q.y);
}

__global__ void complex_mul(const float2* __restrict__ a, const float2* __restrict__ b,
                            const float2* __restrict__ c, float2* __restrict__ out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[i] = cadd(cmul(a[i], conj(b[i])), c[i]);
    }
}
