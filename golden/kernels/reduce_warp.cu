// reduce_warp: sum of squares with warp shuffles. Each thread accumulates a grid-stride slice,
// each warp reduces with __shfl_down_sync, warp leaders meet in shared memory, and the first
// warp reduces their sums. Works for any block size that is a multiple of 32 (read at run
// time). Launched twice: inputs -> per-block partials -> total.
__device__ float warp_sum(float value) {
    for (int offset = 16; offset > 0; offset >>= 1) {
        value += __shfl_down_sync(0xffffffffu, value, offset);
    }
    return value;
}

__global__ void sum_squares(const float* __restrict__ in, float* __restrict__ out, int n, int square) {
    __shared__ float warp_sums[32];
    int lane = threadIdx.x % 32;
    int warp = threadIdx.x / 32;
    float sum = 0.0f;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
        float v = in[i];
        sum += square ? v * v : v;
    }
    sum = warp_sum(sum);
    if (lane == 0) {
        warp_sums[warp] = sum;
    }
    __syncthreads();
    if (warp == 0) {
        int warps = blockDim.x / 32;
        sum = lane < warps ? warp_sums[lane] : 0.0f;
        sum = warp_sum(sum);
        if (lane == 0) {
            out[blockIdx.x] = sum;
        }
    }
}
