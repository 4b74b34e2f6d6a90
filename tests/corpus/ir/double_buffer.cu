// double_buffer: dynamic shared memory split into two buffers that swap each step.
__global__ void smooth_steps(const float* in, float* out, int steps) {
    extern __shared__ float smem[];
    float* cur = smem;
    float* nxt = smem + blockDim.x;
    int t = threadIdx.x;
    cur[t] = in[blockIdx.x * blockDim.x + t];
    __syncthreads();
    for (int s = 0; s < steps; ++s) {
        float left = t > 0 ? cur[t - 1] : cur[t];
        nxt[t] = 0.5f * (left + cur[t]);
        __syncthreads();
        float* tmp = cur;
        cur = nxt;
        nxt = tmp;
    }
    out[blockIdx.x * blockDim.x + t] = cur[t];
}
