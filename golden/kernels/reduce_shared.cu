// reduce_shared: the classic shared-memory tree reduction. Each block sums 2*BLOCK elements
// (two loads per thread), halves the active threads each step with __syncthreads() between,
// and writes one partial sum. Launched twice: the inputs -> per-block partials -> the total.
template <int BLOCK>
__global__ void reduce_sum(const float* __restrict__ in, float* __restrict__ out, int n) {
    __shared__ float partial[BLOCK];
    int tid = threadIdx.x;
    int i = blockIdx.x * (2 * BLOCK) + tid;
    float sum = 0.0f;
    if (i < n) {
        sum += in[i];
    }
    if (i + BLOCK < n) {
        sum += in[i + BLOCK];
    }
    partial[tid] = sum;
    __syncthreads();
    for (int stride = BLOCK / 2; stride > 0; stride >>= 1) {
        if (tid < stride) {
            partial[tid] += partial[tid + stride];
        }
        __syncthreads();
    }
    if (tid == 0) {
        out[blockIdx.x] = partial[0];
    }
}
