// rope: rotary position embedding on x[tokens][heads][head_dim]. Each thread rotates one pair
// (x[2k], x[2k+1]) of one head by the angle pos * base^(-2k/head_dim), pos = offset + token.
__global__ void rope(const float* __restrict__ x, float* __restrict__ out, int tokens, int heads, int head_dim,
                     int offset, float base) {
    int half_dim = head_dim / 2;
    int pair = blockIdx.x * blockDim.x + threadIdx.x;
    int total = tokens * heads * half_dim;
    if (pair >= total) {
        return;
    }
    int k = pair % half_dim;
    int token = pair / (heads * half_dim);
    float inv_freq = powf(base, -2.0f * (float)k / (float)head_dim);
    float angle = (float)(offset + token) * inv_freq;
    float s, c;
    sincosf(angle, &s, &c);
    float x0 = x[2 * pair];
    float x1 = x[2 * pair + 1];
    out[2 * pair] = x0 * c - x1 * s;
    out[2 * pair + 1] = x0 * s + x1 * c;
}
