// 03_constant_memory.cu
// Exercises: __constant__ arrays and scalars, cudaMemcpyToSymbol (with and
// without an offset), cudaMemcpyToSymbolAsync, cudaMemcpyFromSymbol,
// cudaGetSymbolAddress and cudaGetSymbolSize, and a 1D convolution kernel that
// reads its filter taps from constant memory.
// Warp-size hazards: none.

#include <cstdio>
#include <vector>
#include <cuda_runtime.h>

#define CHECK(x)                                                              \
    do {                                                                      \
        cudaError_t e = (x);                                                  \
        if (e != cudaSuccess) {                                               \
            printf("%s:%d %s -> %s\n", __FILE__, __LINE__, #x,                \
                   cudaGetErrorString(e));                                    \
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

    CHECK(cudaMemcpyToSymbol(c_taps, h_taps.data(), taps * sizeof(float)));
    // Overwrite the centre tap only, using the offset argument.
    float centre = 2.0f / taps;
    CHECK(cudaMemcpyToSymbol(c_taps, &centre, sizeof(float), (taps / 2) * sizeof(float),
                             cudaMemcpyHostToDevice));
    CHECK(cudaMemcpyToSymbol(c_num_taps, &taps, sizeof(int)));

    cudaStream_t s;
    CHECK(cudaStreamCreate(&s));
    float bias = 0.25f;
    CHECK(cudaMemcpyToSymbolAsync(c_bias, &bias, sizeof(float), 0, cudaMemcpyHostToDevice, s));

    float* taps_addr = nullptr;
    size_t taps_size = 0;
    CHECK(cudaGetSymbolAddress(reinterpret_cast<void**>(&taps_addr), c_taps));
    CHECK(cudaGetSymbolSize(&taps_size, c_taps));
    printf("c_taps lives at %p, %zu bytes\n", static_cast<void*>(taps_addr), taps_size);

    float *d_in, *d_out;
    CHECK(cudaMalloc(&d_in, n * sizeof(float)));
    CHECK(cudaMalloc(&d_out, n * sizeof(float)));
    CHECK(cudaMemcpyAsync(d_in, h_in.data(), n * sizeof(float), cudaMemcpyHostToDevice, s));
    conv1d<<<(n + 127) / 128, 128, 0, s>>>(d_in, d_out, n);
    CHECK(cudaGetLastError());
    CHECK(cudaMemcpyAsync(h_out.data(), d_out, n * sizeof(float), cudaMemcpyDeviceToHost, s));
    CHECK(cudaStreamSynchronize(s));

    float readback[kMaxTaps];
    CHECK(cudaMemcpyFromSymbol(readback, c_taps, taps * sizeof(float)));
    printf("centre tap %.4f, out[n/2] = %.4f\n", readback[taps / 2], h_out[n / 2]);

    CHECK(cudaFree(d_in));
    CHECK(cudaFree(d_out));
    CHECK(cudaStreamDestroy(s));
    return 0;
}
