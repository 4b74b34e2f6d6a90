// shared_race: a neighbour read with no barrier between the write and the read (a race), and
// the same code with the barrier (no race).
__global__ void racy_shift(const float* in, float* out) {
    __shared__ float s[256];
    int t = threadIdx.x;
    s[t] = in[blockIdx.x * 256 + t];
    float right = t < 255 ? s[t + 1] : 0.0f;
    out[blockIdx.x * 256 + t] = right;
}

__global__ void synced_shift(const float* in, float* out) {
    __shared__ float s[256];
    int t = threadIdx.x;
    s[t] = in[blockIdx.x * 256 + t];
    __syncthreads();
    float right = t < 255 ? s[t + 1] : 0.0f;
    out[blockIdx.x * 256 + t] = right;
}
