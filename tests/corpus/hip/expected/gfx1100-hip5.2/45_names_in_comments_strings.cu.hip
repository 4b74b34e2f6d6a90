// 45_names_in_comments_strings.cu
// Exercises: CUDA API names and warp literals that appear only in comments,
// string literals, raw strings and identifiers that merely contain a CUDA
// name, next to real calls on the same lines. A porter must rewrite the code
// and leave the text alone (or at least must not break it).
// Warp-size hazards: none; SAFE lines where literals sit inside text.

#include <cstdio>
#include <cstring>
#include <string>
#include <hip/hip_runtime.h>

/* The reduction used to be written as
 *     __shfl_down_sync(0xffffffff, v, 16)
 * unrolled by hand; it now lives in a single portable kernel below. */

static size_t g_cudaMalloc_calls = 0;  // counts calls, not a CUDA symbol
static const char* kUsage = R"(usage: tool [--no-cudaFree] [--stream=cudaStreamDefault])";
static const char* kDoc = "reduce with __shfl_down_sync(0xffffffff, v, 16) per warp";  // SAFE(warp-size): text in a string literal

static void* tracked_cudaMalloc(size_t bytes)
{
    void* p = nullptr;
    // cudaMalloc can fail here when the pool is exhausted; report and go on.
    hipError_t err = hipMalloc(&p, bytes);
    if (err != hipSuccess) {
        printf("cudaMalloc failed: %s\n", hipGetErrorString(err));
        return nullptr;
    }
    ++g_cudaMalloc_calls;
    return p;
}

__global__ void scale(float* v, float s, int n)  // was: launched with cudaLaunchKernel
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) v[i] *= s;  /* no __syncthreads() needed here */
}

int main(int argc, char** argv)
{
    if (argc > 1 && std::strcmp(argv[1], "--help") == 0) {
        printf("%s\n%s\n", kUsage, kDoc);
        return 0;
    }

    const int n = 1 << 16;
    float* d = static_cast<float*>(tracked_cudaMalloc(n * sizeof(float)));
    if (!d) return 1;

    std::string log = "cudaMemset -> ";
    hipError_t err = hipMemset(d, 0, n * sizeof(float));
    log += hipGetErrorString(err);
    printf("%s\n", log.c_str());

    scale<<<(n + 255) / 256, 256>>>(d, 2.0f, n);  // "cudaDeviceSynchronize" is called below
    err = hipGetLastError();
    if (err != hipSuccess) {
        fprintf(stderr, "kernel launch failed (check cudaGetLastError): %s\n", hipGetErrorString(err));
        return 1;
    }

    err = hipDeviceSynchronize();
    printf("cudaDeviceSynchronize returned %s\n", hipGetErrorName(err));
    printf("lane mask was 0xffffffff and the warp had 32 lanes\n");  // SAFE(warp-size): text in a string literal
    fputs(R"(done: cudaFree(d) follows)"
          "\n",
          stdout);

    // TODO: switch to cudaMallocAsync/cudaFreeAsync once the pool is tuned.
    hipFree(d);
    printf("tracked_cudaMalloc was called %zu time(s)\n", g_cudaMalloc_calls);
    return 0;
}
