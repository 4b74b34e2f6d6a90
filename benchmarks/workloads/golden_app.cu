// A CUDA program built from porter's golden kernels, for `porter profile` on a binary:
// a few iterations of saxpy, softmax_rows, reduce_atomic and matmul_tiled on device buffers.
//     nvcc -O2 -arch=sm_90 -I golden/kernels benchmarks/workloads/golden_app.cu -o golden_app
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "saxpy.cu"
#include "softmax_rows.cu"
#include "reduce_atomic.cu"
#include "matmul_tiled.cu"

#define CHECK(call)                                                                      \
    do {                                                                                 \
        cudaError_t status_ = (call);                                                    \
        if (status_ != cudaSuccess) {                                                    \
            std::fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, cudaGetErrorString(status_)); \
            std::exit(1);                                                                \
        }                                                                                \
    } while (0)

static float* device_buffer(size_t count, float value) {
    std::vector<float> host(count, value);
    float* device = nullptr;
    CHECK(cudaMalloc(&device, count * sizeof(float)));
    CHECK(cudaMemcpy(device, host.data(), count * sizeof(float), cudaMemcpyHostToDevice));
    return device;
}

int main(int argc, char** argv) {
    int iterations = argc > 1 ? std::atoi(argv[1]) : 3;
    const int n = 1 << 22, rows = 4096, cols = 1024, dim = 1024;
    float* x = device_buffer(n, 1.0f);
    float* y = device_buffer(n, 2.0f);
    float* s_in = device_buffer(size_t(rows) * cols, 0.5f);
    float* s_out = device_buffer(size_t(rows) * cols, 0.0f);
    float* total = device_buffer(1, 0.0f);
    float* a = device_buffer(size_t(dim) * dim, 0.01f);
    float* b = device_buffer(size_t(dim) * dim, 0.02f);
    float* c = device_buffer(size_t(dim) * dim, 0.0f);
    for (int it = 0; it < iterations; ++it) {
        saxpy<<<(n + 255) / 256, 256>>>(n, 2.0f, x, y);
        softmax_rows<<<rows, 256, 256 * sizeof(float)>>>(s_in, s_out, cols);
        reduce_atomic<<<(n + 511) / 512, 512, 512 * sizeof(float)>>>(x, total, n);
        matmul_tiled<<<dim3(dim / TILE, dim / TILE), dim3(TILE, TILE)>>>(a, b, c, dim, dim, dim);
    }
    CHECK(cudaGetLastError());
    CHECK(cudaDeviceSynchronize());
    float sum = 0.0f;
    CHECK(cudaMemcpy(&sum, total, sizeof(float), cudaMemcpyDeviceToHost));
    std::printf("golden_app: %d iterations, reduce total %.1f\n", iterations, sum);
    return 0;
}
