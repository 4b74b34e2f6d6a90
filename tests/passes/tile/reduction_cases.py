"""Small CUDA reductions for the raise-reductions tests, by name: raised ones and near-misses."""

RAISED = {
    "tree_reduce": """
__global__ void tree_reduce(const float* x, float* out) {
    __shared__ float sdata[256];
    int tid = threadIdx.x;
    sdata[tid] = x[blockIdx.x * blockDim.x + tid];
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (tid < s) {
            sdata[tid] += sdata[tid + s];
        }
        __syncthreads();
    }
    if (tid == 0) out[blockIdx.x] = sdata[0];
}
""",
    "tree_max": """
__global__ void tree_max(const float* x, float* out) {
    __shared__ float sdata[128];
    int tid = threadIdx.x;
    sdata[tid] = x[blockIdx.x * 128 + tid];
    __syncthreads();
    for (int s = 64; s > 0; s /= 2) {
        if (tid < s) sdata[tid] = fmaxf(sdata[tid], sdata[tid + s]);
        __syncthreads();
    }
    if (tid == 0) out[blockIdx.x] = sdata[0];
}
""",
    "warp_reduce": """
__global__ void warp_reduce(const float* x, float* out) {
    float v = x[blockIdx.x * blockDim.x + threadIdx.x];
    int lane = threadIdx.x % 32;
    for (int o = 16; o > 0; o /= 2) {
        v += __shfl_down_sync(0xffffffff, v, o);
    }
    if (lane == 0) out[(blockIdx.x * blockDim.x + threadIdx.x) / 32] = v;
}
""",
    # a device helper on a pointer to the shared array, max or sum chosen by a constant argument
    "helper_select": """
__device__ float block_reduce(float* scratch, float value, bool take_max) {
    int tid = threadIdx.x;
    scratch[tid] = value;
    __syncthreads();
    for (unsigned stride = blockDim.x / 2; stride > 0; stride >>= 1) {
        if (tid < stride) {
            float other = scratch[tid + stride];
            scratch[tid] = take_max ? fmaxf(scratch[tid], other) : scratch[tid] + other;
        }
        __syncthreads();
    }
    float result = scratch[0];
    __syncthreads();
    return result;
}

__global__ void helper_select(const float* x, float* out) {
    extern __shared__ float scratch[];
    float v = x[blockIdx.x * blockDim.x + threadIdx.x];
    float m = block_reduce(scratch, v, true);
    float s = block_reduce(scratch, v - m, false);
    if (threadIdx.x == 0) out[blockIdx.x] = s;
}
""",
    # rows of 32 lanes (threadIdx.y picks the row): raised behind a guard that lanes are warps
    "xor_rows": """
__global__ void xor_rows(const float* x, float* out) {
    int row = blockIdx.x * blockDim.y + threadIdx.y;
    float v = x[row * 32 + threadIdx.x];
    for (int mask = warpSize / 2; mask > 0; mask >>= 1) {
        v = fmaxf(v, __shfl_xor_sync(0xffffffff, v, mask));
    }
    out[row * 32 + threadIdx.x] = v;
}
""",
}

NOT_RAISED = {
    # a reduction loop that is not a tree: the step does not halve
    "linear_steps": """
__global__ void linear_steps(const float* x, float* out) {
    __shared__ float sdata[64];
    int tid = threadIdx.x;
    sdata[tid] = x[tid];
    __syncthreads();
    for (int s = 32; s > 0; s -= 1) {
        if (tid < s) sdata[tid] += sdata[tid + s];
        __syncthreads();
    }
    if (tid == 0) out[0] = sdata[0];
}
""",
    # the partial sums in sdata[tid] are read after the loop, not only sdata[0]
    "tree_partials_read": """
__global__ void tree_partials_read(const float* x, float* out) {
    __shared__ float sdata[64];
    int tid = threadIdx.x;
    sdata[tid] = x[tid];
    __syncthreads();
    for (int s = 32; s > 0; s >>= 1) {
        if (tid < s) sdata[tid] += sdata[tid + s];
        __syncthreads();
    }
    out[tid] = sdata[tid];
}
""",
    # a partial mask: only half the warp takes part
    "partial_mask": """
__global__ void partial_mask(const float* x, float* out) {
    float v = x[threadIdx.x];
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_down_sync(0x0000ffff, v, o);
    }
    if (threadIdx.x % 32 == 0) out[threadIdx.x / 32] = v;
}
""",
    # the helper's choice between max and sum is not a constant
    "helper_runtime_choice": """
__global__ void helper_runtime_choice(const float* x, float* out, int take_max) {
    __shared__ float s[64];
    int tid = threadIdx.x;
    s[tid] = x[tid];
    __syncthreads();
    for (int k = 32; k > 0; k >>= 1) {
        if (tid < k) s[tid] = take_max ? fmaxf(s[tid], s[tid + k]) : s[tid] + s[tid + k];
        __syncthreads();
    }
    if (tid == 0) out[0] = s[0];
}
""",
    # shfl_down leaves the total only in lane 0, but every lane's v is written
    "down_used_everywhere": """
__global__ void down_used_everywhere(const float* x, float* out) {
    float v = x[threadIdx.x];
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_down_sync(0xffffffff, v, o);
    }
    out[threadIdx.x] = v;
}
""",
}
