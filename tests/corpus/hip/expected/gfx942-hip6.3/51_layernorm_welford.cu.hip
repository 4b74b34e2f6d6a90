// 51_layernorm_welford.cu
// Exercises: a LayerNorm forward pass with Welford statistics merged across
// lanes by __shfl_xor_sync (three values per step), per-warp Welford partials
// in shared memory merged by warp 0, rsqrtf, float4 vectorised loads,
// gamma/beta affine transform, and one block per row with 4 warps.
// Warp-size hazards: several (each is marked on its line).

#include <cstdio>
#include <hip/hip_runtime.h>

struct Welford {
    float mean, m2, count;
};

__device__ __forceinline__ Welford welford_merge(Welford a, Welford b)
{
    float n = a.count + b.count;
    if (n == 0.0f) return a;
    float delta = b.mean - a.mean;
    float nb_over_n = b.count / n;
    Welford r;
    r.mean = a.mean + delta * nb_over_n;
    r.m2 = a.m2 + b.m2 + delta * delta * a.count * nb_over_n;
    r.count = n;
    return r;
}

__device__ __forceinline__ Welford warp_welford(Welford w)
{
    for (int mask = warpSize / 2; mask > 0; mask >>= 1) {  // HAZARD(warp-size): butterfly over 32 lanes
        Welford o;
        o.mean = __shfl_xor_sync(__activemask(), w.mean, mask);  // HAZARD(warp-size): full 32-lane mask
        o.m2 = __shfl_xor_sync(__activemask(), w.m2, mask);  // HAZARD(warp-size): full 32-lane mask
        o.count = __shfl_xor_sync(__activemask(), w.count, mask);  // HAZARD(warp-size): full 32-lane mask
        w = welford_merge(w, o);
    }
    return w;
}

constexpr int kThreads = 128;
constexpr int kWarps = kThreads / 64;  // HAZARD(warp-size): warps per block assume 32 lanes

__global__ void __launch_bounds__(kThreads)
layernorm_fwd(const float* __restrict__ x, const float* __restrict__ gamma, const float* __restrict__ beta,
              float* __restrict__ y, int cols, float eps)
{
    __shared__ Welford partial[kWarps];
    __shared__ float s_mean, s_rstd;
    const float4* xr = reinterpret_cast<const float4*>(x + (size_t)blockIdx.x * cols);
    int cols4 = cols / 4;

    Welford w = {0.0f, 0.0f, 0.0f};
    for (int c = threadIdx.x; c < cols4; c += blockDim.x) {
        float4 v = xr[c];
        float vals[4] = {v.x, v.y, v.z, v.w};
        for (int k = 0; k < 4; ++k) {
            w.count += 1.0f;
            float d = vals[k] - w.mean;
            w.mean += d / w.count;
            w.m2 += d * (vals[k] - w.mean);
        }
    }
    w = warp_welford(w);
    int lane = threadIdx.x & (warpSize - 1);  // HAZARD(warp-size): lane id assumes 32 lanes
    int warp = (threadIdx.x) / warpSize;  // HAZARD(warp-size): warp id via >> 5
    if (lane == 0) partial[warp] = w;
    __syncthreads();
    if (threadIdx.x == 0) {
        Welford t = partial[0];
        for (int i = 1; i < kWarps; ++i) t = welford_merge(t, partial[i]);
        s_mean = t.mean;
        s_rstd = rsqrtf(t.m2 / t.count + eps);
    }
    __syncthreads();

    float* yr = y + (size_t)blockIdx.x * cols;
    const float* xs = x + (size_t)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x)
        yr[c] = (xs[c] - s_mean) * s_rstd * gamma[c] + beta[c];
}

int main()
{
    const int rows = 8192, cols = 1024;
    float *x, *g, *b, *y;
    hipMalloc(&x, (size_t)rows * cols * sizeof(float));
    hipMalloc(&y, (size_t)rows * cols * sizeof(float));
    hipMalloc(&g, cols * sizeof(float));
    hipMalloc(&b, cols * sizeof(float));
    hipMemset(x, 0, (size_t)rows * cols * sizeof(float));
    hipMemset(g, 0, cols * sizeof(float));
    hipMemset(b, 0, cols * sizeof(float));

    layernorm_fwd<<<rows, kThreads>>>(x, g, b, y, cols, 1e-5f);
    hipError_t err = hipDeviceSynchronize();
    printf("layernorm: %s\n", hipGetErrorString(err));

    hipFree(x); hipFree(y); hipFree(g); hipFree(b);
    return err == hipSuccess ? 0 : 1;
}
