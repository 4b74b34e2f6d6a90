// strided_access: a constant stride and a symbolic one; a broadcast read of one element.
__global__ void strided_access(const float* in, float* out, int n, int ld) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = in[2 * i] + in[2 * i + 1];   // stride 2
        float w = in[i * ld];                  // stride ld
        float s = in[0];                       // uniform
        out[i] = v + w + s;
    }
}
