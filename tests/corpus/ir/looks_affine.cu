// looks_affine: indices that look affine but are not (negative cases): a square, a modulo, a
// division, a value from memory; and one that is (i * 4 + 3).
__global__ void looks_affine(const float* in, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float a = in[i * i];
        float b = in[(i * 7) % n];
        float c = in[i / 2];
        int j = (int)in[i];
        float d = in[j + 1];
        float e = in[i * 4 + 3];
        out[i] = a + b + c + d + e;
    }
}
