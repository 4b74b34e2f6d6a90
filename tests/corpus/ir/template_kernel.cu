// template_kernel: a template on the element type and the block size, instantiated twice.
template <typename T, int BLOCK>
__global__ void __launch_bounds__(BLOCK) block_sum(const T* in, T* out, int n) {
    __shared__ T s[BLOCK];
    int tid = threadIdx.x;
    int i = blockIdx.x * BLOCK + tid;
    s[tid] = i < n ? in[i] : T(0);
    __syncthreads();
    for (int k = BLOCK / 2; k > 0; k >>= 1) {
        if (tid < k) s[tid] += s[tid + k];
        __syncthreads();
    }
    if (tid == 0) out[blockIdx.x] = s[0];
}

template __global__ void block_sum<float, 256>(const float*, float*, int);
template __global__ void block_sum<double, 128>(const double*, double*, int);
