// uniform_branches: branches and loops on block-uniform values do not diverge.
__constant__ float c_weights[16];

__global__ void weighted(const float* in, float* out, int n, int taps) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float acc = 0.0f;
    if (blockIdx.x == 0 && n > 0) {
        for (int k = 0; k < taps; ++k) acc += c_weights[k];
    }
    if (i < n) out[i] = acc * in[i];
}
