// device_calls: helpers linked by name; the kernel's summary folds in what they do.
__device__ __forceinline__ float sq(float x) { return x * x; }

__device__ float clampf(float x, float lo, float hi) { return fminf(fmaxf(x, lo), hi); }

__device__ int global_id() { return blockIdx.x * blockDim.x + threadIdx.x; }

__global__ void norm_clamp(const float* in, float* out, int n, float lo, float hi) {
    int i = global_id();
    if (i < n) out[i] = clampf(sq(in[i]), lo, hi);
}
