// divergent_barrier: __syncthreads() under a thread-dependent branch and after a
// thread-dependent return (both deadlock or race); one under a uniform branch (fine).
__global__ void divergent_barrier(float* data, int n) {
    __shared__ float s[256];
    int tid = threadIdx.x;
    s[tid] = data[tid];
    if (tid < 128) {
        __syncthreads();
        s[tid] += s[tid + 128];
    }
    if (blockIdx.x == 0) {
        __syncthreads();
    }
    data[tid] = s[tid];
}

__global__ void barrier_after_return(const float* in, float* out, int n) {
    __shared__ float s[256];
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    s[threadIdx.x] = in[i];
    __syncthreads();
    out[i] = s[(threadIdx.x + 1) % blockDim.x];
}
