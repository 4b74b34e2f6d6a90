// adam: one AdamW step, in place on the parameters and both moment buffers.
// m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  p -= lr (m_hat / (sqrt(v_hat) + eps) + wd p)
__global__ void adam(float* __restrict__ params, const float* __restrict__ grads, float* __restrict__ m,
                     float* __restrict__ v, int n, float lr, float beta1, float beta2, float eps,
                     float weight_decay, int step) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) {
        return;
    }
    float g = grads[i];
    float m_i = beta1 * m[i] + (1.0f - beta1) * g;
    float v_i = beta2 * v[i] + (1.0f - beta2) * g * g;
    m[i] = m_i;
    v[i] = v_i;
    float m_hat = m_i / (1.0f - powf(beta1, (float)step));
    float v_hat = v_i / (1.0f - powf(beta2, (float)step));
    float p = params[i];
    params[i] = p - lr * (m_hat / (sqrtf(v_hat) + eps) + weight_decay * p);
}
