// 13_launch_forms.cu
// Exercises: every triple-chevron launch form in one place:
//   plain <<<g, b>>>; dynamic shared memory <<<g, b, smem>>>; a stream
//   <<<g, b, smem, s>>>; templated kernels k<float, 128><<<...>>> and
//   k<T, (N > 4)> with a parenthesised expression; dim3 grids and blocks built
//   inline; a kernel with no arguments; expressions with casts, ternaries
//   and function calls in the configuration; a launch split over several
//   lines; and a launch through a function pointer.
// Warp-size hazards: none; SAFE lines for 2D block shapes.

#include <cstdio>
#include <hip/hip_runtime.h>

#define CHECK_LAST() \
    do { hipError_t e = hipGetLastError(); if (e != hipSuccess) { printf("%s\n", hipGetErrorString(e)); return 1; } } while (0)

__device__ int d_counter;

__global__ void no_args_kernel() { atomicAdd(&d_counter, 1); }

__global__ void plain_kernel(float* x, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = 1.0f;
}

__global__ void smem_kernel(float* x, int n)
{
    extern __shared__ float s[];
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    s[threadIdx.x] = i < n ? x[i] : 0.0f;
    __syncthreads();
    if (i < n) x[i] = s[threadIdx.x] * 2.0f;
}

template <typename T, int BLOCK>
__global__ void templ_kernel(T* x, int n)
{
    int i = blockIdx.x * BLOCK + threadIdx.x;
    if (i < n) x[i] += T(1);
}

template <typename T, bool WIDE>
__global__ void flag_kernel(T* x, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = WIDE ? x[i] * T(4) : x[i];
}

__global__ void grid2d_kernel(float* m, int w, int h)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x < w && y < h) m[y * w + x] = static_cast<float>(x + y);
}

static int blocks_for(int n, int b) { return (n + b - 1) / b; }

template <typename T, int N>
void run_flag(T* x, int n, hipStream_t s)
{
    flag_kernel<T, (N > 4)><<<blocks_for(n, 128), 128, 0, s>>>(x, n);
}

int main()
{
    const int n = 10000, w = 300, h = 200;
    float *x, *m;
    hipMalloc(&x, n * sizeof(float));
    hipMalloc(&m, w * h * sizeof(float));
    hipStream_t s;
    hipStreamCreate(&s);
    const int threads = 256;
    size_t smem = threads * sizeof(float);

    no_args_kernel<<<1, 1>>>();
    plain_kernel<<<(n + threads - 1) / threads, threads>>>(x, n);
    smem_kernel<<<blocks_for(n, threads), threads, smem>>>(x, n);
    smem_kernel<<<blocks_for(n, threads), threads, smem, s>>>(x, n);
    templ_kernel<float, 128><<<(n + 127) / 128, 128>>>(x, n);
    templ_kernel<float, 128><<<(n + 127) / 128, 128, 0, s>>>(x, n);
    run_flag<float, 8>(x, n, s);
    CHECK_LAST();

    dim3 block(16, 16);  // SAFE(warp-size): 2D tile shape, not a lane count
    dim3 grid((w + block.x - 1) / block.x, (h + block.y - 1) / block.y);
    grid2d_kernel<<<grid, block>>>(m, w, h);
    grid2d_kernel<<<dim3((w + 7) / 8, (h + 7) / 8, 1), dim3(8, 8, 1), 0, s>>>(m, w, h);
    grid2d_kernel<<<
        dim3(blocks_for(w, 32), blocks_for(h, 4)),  // SAFE(warp-size): tile width, not lanes
        dim3(32, 4)>>>(m, w, h);  // SAFE(warp-size): 2D block shape, not lanes
    plain_kernel<<<static_cast<unsigned>(n > 4096 ? 64 : 16), threads, 0, s>>>(x, n);
    CHECK_LAST();

    void (*fp)(float*, int) = plain_kernel;
    fp<<<blocks_for(n, threads), threads>>>(x, n);
    CHECK_LAST();

    hipDeviceSynchronize();
    int counter = 0;
    hipMemcpyFromSymbol(&counter, d_counter, sizeof(int));
    printf("no_args_kernel ran %d time(s)\n", counter);

    hipStreamDestroy(s);
    hipFree(x);
    hipFree(m);
    return 0;
}
