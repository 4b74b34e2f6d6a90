// sigmoid, written the numerically stable way: exp is only taken of non-positive numbers, so
// the two branches diverge within a warp on mixed-sign input.
__global__ void sigmoid(const float* __restrict__ x, float* __restrict__ y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) {
        return;
    }
    float v = x[i];
    if (v >= 0.0f) {
        y[i] = 1.0f / (1.0f + expf(-v));
    } else {
        float e = expf(v);
        y[i] = e / (1.0f + e);
    }
}
