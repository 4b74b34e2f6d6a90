// attention_naive: softmax(Q K^T * scale [+ causal mask]) V for `batch` independent heads, as a
// pipeline of three kernels over [batch][seq][dim] tensors:
//  1. attention_scores: one thread per score;
//  2. attention_softmax: one block per score row (power-of-two block size, read at run time);
//  3. attention_output: one thread per output element.
__global__ void attention_scores(const float* __restrict__ q, const float* __restrict__ k, float* __restrict__ scores,
                                 int seq, int dim, float scale, int causal) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;  // key position
    int i = blockIdx.y;                              // query position
    int h = blockIdx.z;
    if (j >= seq) {
        return;
    }
    const float* qi = q + ((size_t)h * seq + i) * dim;
    const float* kj = k + ((size_t)h * seq + j) * dim;
    float dot = 0.0f;
    for (int d = 0; d < dim; ++d) {
        dot += qi[d] * kj[d];
    }
    float s = dot * scale;
    if (causal && j > i) {
        s = -INFINITY;
    }
    scores[((size_t)h * seq + i) * seq + j] = s;
}

__global__ void attention_softmax(const float* __restrict__ scores, float* __restrict__ probs, int seq) {
    extern __shared__ float scratch[];
    const float* row = scores + (size_t)blockIdx.x * seq;
    float* out = probs + (size_t)blockIdx.x * seq;
    int tid = threadIdx.x;
    float m = -INFINITY;
    for (int j = tid; j < seq; j += blockDim.x) {
        m = fmaxf(m, row[j]);
    }
    scratch[tid] = m;
    __syncthreads();
    for (unsigned stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (tid < stride) {
            scratch[tid] = fmaxf(scratch[tid], scratch[tid + stride]);
        }
        __syncthreads();
    }
    m = scratch[0];
    __syncthreads();
    float s = 0.0f;
    for (int j = tid; j < seq; j += blockDim.x) {
        s += expf(row[j] - m);
    }
    scratch[tid] = s;
    __syncthreads();
    for (unsigned stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (tid < stride) {
            scratch[tid] += scratch[tid + stride];
        }
        __syncthreads();
    }
    float inv = 1.0f / scratch[0];
    for (int j = tid; j < seq; j += blockDim.x) {
        out[j] = expf(row[j] - m) * inv;
    }
}

__global__ void attention_output(const float* __restrict__ probs, const float* __restrict__ v, float* __restrict__ out,
                                 int seq, int dim) {
    int d = blockIdx.x * blockDim.x + threadIdx.x;
    int i = blockIdx.y;
    int h = blockIdx.z;
    if (d >= dim) {
        return;
    }
    const float* p = probs + ((size_t)h * seq + i) * seq;
    float sum = 0.0f;
    for (int j = 0; j < seq; ++j) {
        sum += p[j] * v[((size_t)h * seq + j) * dim + d];
    }
    out[((size_t)h * seq + i) * dim + d] = sum;
}
