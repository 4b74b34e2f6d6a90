// The CUDA kernels of the capture test program (app.c runs C versions of them on the fake runtime).
__constant__ float c_table[16];

__global__ void heat_step(const float* in, float* out, int n, float alpha) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    if (i == 0 || i == n - 1) {
        out[i] = in[i];
    } else {
        float left = in[i - 1], mid = in[i], right = in[i + 1];
        out[i] = mid + alpha * ((left - mid) + (right - mid));
    }
}

__global__ void apply_table(const int* index, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = c_table[index[i] & 15] * 2.0f;
}

__global__ void scale(float* data, int n, float factor) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) data[i] = data[i] * factor;
}

__global__ void add_vectors(const float* a, const float* b, float* c, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = a[i] + b[i];
}

int main() {
    return 0;  // the real program's main is removed from the captured kernel file
}
