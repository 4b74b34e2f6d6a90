// 03_constant_memory.cu
// Exercises: __constant__ arrays and scalars, cudaMemcpyToSymbol (with and
// without an offset), cudaMemcpyToSymbolAsync, cudaMemcpyFromSymbol,
// cudaGetSymbolAddress and cudaGetSymbolSize, and a 1D convolution kernel that
// reads its filter taps from constant memory.
// Warp-size hazards: none.

#include <cstdio>
#include <vector>
#include <hip/hip_runtime.h>

#define CHECK(x)                                                              \
    do {                                                                      \
        hipError_t e = (x);                                                  \
        if (e != hipSuccess) {                                               \
            printf("%s:%d %s -> %s\n", __FILE__, __LINE__, #x,                \
                   hipGetErrorString(e));                                    \
            return 1;                                                         \
        }                                                                     \
    } while (0)

constexpr int kMaxTaps = 63;

__constant__ float c_taps[kMaxTaps];
__constant__ int c_num_taps;
__constant__ float c_bias;

__global__ void conv1d(const float* __restrict__ in, float* __restrict__ out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int half = c_num_taps / 2;
    float acc = c_bias;
    for (int t = 0; t < c_num_taps; ++t) {
        int j = i + t - half;
        if (j >= 0 && j < n) acc += c_taps[t] * in[j];
    }
    out[i] = acc;
}

int main()
{
    const int n = 1 << 16;
    const int taps = 9;
    std::vector<float> h_taps(taps, 1.0f / taps);
    std::vector<float> h_in(n, 1.0f), h_out(n);

    CHECK(hipMemcpyToSymbol(c_taps, h_taps.data(), taps * sizeof(float)));
    // Overwrite the centre tap only, using the offset argument.
    float centre = 2.0f / taps;
    CHECK(hipMemcpyToSymbol(c_taps, &centre, sizeof(float), (taps / 2) * sizeof(float),
                             hipMemcpyHostToDevice));
    CHECK(hipMemcpyToSymbol(c_num_taps, &taps, sizeof(int)));

    hipStream_t s;
    CHECK(hipStreamCreate(&s));
    float bias = 0.25f;
    CHECK(hipMemcpyToSymbolAsync(c_bias, &bias, sizeof(float), 0, hipMemcpyHostToDevice, s));

    float* taps_addr = nullptr;
    size_t taps_size = 0;
    CHECK(hipGetSymbolAddress(reinterpret_cast<void**>(&taps_addr), c_taps));
    CHECK(hipGetSymbolSize(&taps_size, c_taps));
    printf("c_taps lives at %p, %zu bytes\n", static_cast<void*>(taps_addr), taps_size);

    float *d_in, *d_out;
    CHECK(hipMalloc(&d_in, n * sizeof(float)));
    CHECK(hipMalloc(&d_out, n * sizeof(float)));
    CHECK(hipMemcpyAsync(d_in, h_in.data(), n * sizeof(float), hipMemcpyHostToDevice, s));
    conv1d<<<(n + 127) / 128, 128, 0, s>>>(d_in, d_out, n);
    CHECK(hipGetLastError());
    CHECK(hipMemcpyAsync(h_out.data(), d_out, n * sizeof(float), hipMemcpyDeviceToHost, s));
    CHECK(hipStreamSynchronize(s));

    float readback[kMaxTaps];
    CHECK(hipMemcpyFromSymbol(readback, c_taps, taps * sizeof(float)));
    printf("centre tap %.4f, out[n/2] = %.4f\n", readback[taps / 2], h_out[n / 2]);

    CHECK(hipFree(d_in));
    CHECK(hipFree(d_out));
    CHECK(hipStreamDestroy(s));
    return 0;
}
