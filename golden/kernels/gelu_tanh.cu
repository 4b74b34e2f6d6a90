// gelu_tanh: the tanh approximation of GELU used by GPT-2 and BERT,
// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
__global__ void gelu_tanh(const float* __restrict__ x, float* __restrict__ y, int n) {
    const float k_sqrt_2_over_pi = 0.7978845608028654f;
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = x[i];
        float inner = k_sqrt_2_over_pi * (v + 0.044715f * v * v * v);
        y[i] = 0.5f * v * (1.0f + tanhf(inner));
    }
}
