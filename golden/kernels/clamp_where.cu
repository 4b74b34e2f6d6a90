// clamp_where: divergent branches. clamped = clamp(x, lo, hi) through an if/else chain;
// picked = mask ? a : 2*b (mask is one byte per element).
__global__ void clamp_where(const float* __restrict__ x, const unsigned char* __restrict__ mask,
                            const float* __restrict__ a, const float* __restrict__ b,
                            float* __restrict__ clamped, float* __restrict__ picked, float lo, float hi, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) {
        return;
    }
    float v = x[i];
    if (v < lo) {
        v = lo;
    } else if (v > hi) {
        v = hi;
    }
    clamped[i] = v;
    if (mask[i]) {
        picked[i] = a[i];
    } else {
        picked[i] = 2.0f * b[i];
    }
}
