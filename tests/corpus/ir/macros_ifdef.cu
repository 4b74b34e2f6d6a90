// macros_ifdef: object-like and function-like macros, #if branches, a statement macro.
#define THREADS 128
#define IDX(r, c, ld) ((r) * (ld) + (c))
#define SQUARE(x) ((x) * (x))
#define USE_FAST_MATH 1
#define CLAMP_STORE(p, v) do { (p) = fminf((v), 1.0f); } while (0)

__global__ void macro_kernel(const float* a, float* b, int rows, int cols) {
    __shared__ float tile[THREADS];
    int r = blockIdx.y;
    int c = blockIdx.x * THREADS + threadIdx.x;
    if (c >= cols) return;
#if USE_FAST_MATH
    float v = __expf(a[IDX(r, c, cols)]);
#else
    float v = expf(a[IDX(r, c, cols)]);
#endif
#ifdef UNDEFINED_FLAG
    v = 0.0f;
#endif
    tile[threadIdx.x] = SQUARE(v);
    __syncthreads();
    CLAMP_STORE(b[IDX(r, c, cols)], tile[threadIdx.x]);
}
