// silu: x * sigmoid(x); swiglu: silu(gate) * up, the gated MLP of LLaMA-style models.
__device__ float silu_of(float x) {
    return x / (1.0f + expf(-x));
}

__global__ void silu(const float* __restrict__ x, float* __restrict__ y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        y[i] = silu_of(x[i]);
    }
}

// gate_up holds rows of [gate (d values) | up (d values)]; out holds rows of d values.
__global__ void swiglu(const float* __restrict__ gate_up, float* __restrict__ out, int rows, int d) {
    int col = blockIdx.x * blockDim.x + threadIdx.x;
    int row = blockIdx.y;
    if (row < rows && col < d) {
        const float* in = gate_up + (size_t)row * 2 * d;
        out[(size_t)row * d + col] = silu_of(in[col]) * in[d + col];
    }
}
