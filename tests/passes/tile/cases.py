"""Small CUDA kernels for the tile-lowering tests, by name."""

KERNELS = {
    "divergent_if": """
__global__ void divergent_if(const float* x, float* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float v = 0.0f;
    if (i < n) {
        v = x[i];
        if (v < 0.0f) { v = -v; } else { v = v * 2.0f; }
    }
    if (i < n) y[i] = v;
}
""",
    "phases": """
__global__ void phases(const float* x, float* y) {
    __shared__ float tile[64];
    int t = threadIdx.x;
    tile[t] = x[blockIdx.x * 64 + t];
    __syncthreads();
    y[blockIdx.x * 64 + t] = tile[63 - t];
}
""",
    "shared_reuse": """
__global__ void shared_reuse(const float* x, float* y) {
    __shared__ float s[32];
    int t = threadIdx.x;
    s[t] = x[t];
    __syncthreads();
    float a = s[(t + 1) % 32];
    __syncthreads();
    s[t] = a * 2.0f;
    __syncthreads();
    y[t] = s[31 - t];
}
""",
    "varying_trip": """
__global__ void varying_trip(const int* start, int* steps, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int v = start[i];
    int k = 0;
    while (v != 1 && k < 100) {
        v = (v % 2 == 0) ? v / 2 : 3 * v + 1;
        k++;
    }
    steps[i] = k;
}
""",
    "strided_lanes": """
__global__ void strided_lanes(const float* x, float* out, int cols) {
    float acc = 0.0f;
    for (int c = threadIdx.x; c <= cols - 1; c += 2 * blockDim.x) {
        acc += x[blockIdx.x * cols + c];
    }
    out[blockIdx.x * blockDim.x + threadIdx.x] = acc;
}
""",
    "uncounted_loops": """
__global__ void uncounted_loops(const int* x, int* out, int n, int step) {
    int t = threadIdx.x;
    int a = 0;
    for (int c = t; c < n; c += step) { a += x[c]; }
    for (int c = t; c < n; c += 4) { a += x[c]; if (a > 100) break; }
    int m = n;
    for (int c = t; c < m; c += 4) { a += x[c]; m -= 1; }
    for (int c = t; c < x[0]; c += 4) { out[c + 1] = a; }
    out[t] = a;
}
""",
    "counted_edges": """
__global__ void counted_edges(const int* lo, const int* hi, int* out, int width) {
    int t = threadIdx.x;
    int a = 0;
    for (int c = lo[t]; c <= hi[t]; c += 3) {   // per-lane bounds, inclusive; some lanes run 0 times
        if (c % 2 == 0) continue;                // continue keeps the trip count
        a += c;
    }
    for (int k = -2; k < width; ++k) {          // uniform: a counted for-loop from a negative literal
        a += k;
    }
    for (unsigned u = t; u < 7u; u += blockDim.x) { a += 100; }
    out[t] = a;
}
""",
    "refused": """
__global__ void refused(const float* x, float* y) {
    float local[4];
    local[0] = x[threadIdx.x];
    y[threadIdx.x] = local[0];
}
""",
    # a float4's components set under a divergent branch: lanes outside it keep their values
    "vector_divergent": """
__global__ void vector_divergent(const float* x, float* y, int n) {
    int i = threadIdx.x;
    float4 v = make_float4(1.0f, 2.0f, 3.0f, 4.0f);
    if (i < n) {
        v.x = x[i];
        v.w = 7.0f;
    }
    y[i] = v.x + v.y + v.w;
}
""",
}
