// 37_cub_device_reduce.cu
// Exercises: CUB device-wide algorithms with the two-call temp-storage
// pattern (first call with d_temp == nullptr to query the size, then
// cudaMalloc and the real call): cub::DeviceReduce::Sum, cub::DeviceReduce::Max,
// cub::DeviceReduce::Min, cub::DeviceScan::ExclusiveSum,
// and cub::DeviceRadixSort::SortKeys; all on one stream.
// CUB ships with the CUDA toolkit. Warp-size hazards: none.

#include <cstdio>
#include <vector>
#include <cub/cub.cuh>
#include <cuda_runtime.h>

#define CUDA_CHECK(x)                                                        \
    do {                                                                     \
        cudaError_t e_ = (x);                                                \
        if (e_ != cudaSuccess) {                                             \
            printf("%s:%d: %s\n", __FILE__, __LINE__, cudaGetErrorString(e_)); \
            return 1;                                                        \
        }                                                                    \
    } while (0)

int main()
{
    const int n = 1 << 20;
    std::vector<int> h_in(n);
    for (int i = 0; i < n; ++i) h_in[i] = (i * 7919) % 1000 - 300;

    int *d_in, *d_sum, *d_max, *d_scan, *d_sorted;
    int* d_min;
    CUDA_CHECK(cudaMalloc(&d_in, n * sizeof(int)));
    CUDA_CHECK(cudaMalloc(&d_sum, sizeof(int)));
    CUDA_CHECK(cudaMalloc(&d_max, sizeof(int)));
    CUDA_CHECK(cudaMalloc(&d_scan, n * sizeof(int)));
    CUDA_CHECK(cudaMalloc(&d_sorted, n * sizeof(int)));
    CUDA_CHECK(cudaMalloc(&d_min, sizeof(int)));
    CUDA_CHECK(cudaMemcpy(d_in, h_in.data(), n * sizeof(int), cudaMemcpyHostToDevice));

    cudaStream_t s;
    CUDA_CHECK(cudaStreamCreate(&s));

    // Size every algorithm's scratch space, then allocate the largest once.
    size_t bytes_sum = 0, bytes_max = 0, bytes_min = 0, bytes_scan = 0, bytes_sort = 0;
    CUDA_CHECK(cub::DeviceReduce::Sum(nullptr, bytes_sum, d_in, d_sum, n, s));
    CUDA_CHECK(cub::DeviceReduce::Max(nullptr, bytes_max, d_in, d_max, n, s));
    CUDA_CHECK(cub::DeviceReduce::Min(nullptr, bytes_min, d_in, d_min, n, s));
    CUDA_CHECK(cub::DeviceScan::ExclusiveSum(nullptr, bytes_scan, d_in, d_scan, n, s));
    CUDA_CHECK(cub::DeviceRadixSort::SortKeys(nullptr, bytes_sort, d_in, d_sorted, n, 0,
                                              sizeof(int) * 8, s));
    size_t temp_bytes = bytes_sum;
    for (size_t b : {bytes_max, bytes_min, bytes_scan, bytes_sort})
        if (b > temp_bytes) temp_bytes = b;
    void* d_temp = nullptr;
    CUDA_CHECK(cudaMalloc(&d_temp, temp_bytes));

    CUDA_CHECK(cub::DeviceReduce::Sum(d_temp, temp_bytes, d_in, d_sum, n, s));
    CUDA_CHECK(cub::DeviceReduce::Max(d_temp, temp_bytes, d_in, d_max, n, s));
    CUDA_CHECK(cub::DeviceReduce::Min(d_temp, temp_bytes, d_in, d_min, n, s));
    CUDA_CHECK(cub::DeviceScan::ExclusiveSum(d_temp, temp_bytes, d_in, d_scan, n, s));
    CUDA_CHECK(cub::DeviceRadixSort::SortKeys(d_temp, temp_bytes, d_in, d_sorted, n, 0,
                                              sizeof(int) * 8, s));
    CUDA_CHECK(cudaStreamSynchronize(s));

    int sum = 0, mx = 0, mn = 0, first_sorted = 0;
    CUDA_CHECK(cudaMemcpy(&sum, d_sum, sizeof(int), cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(&mx, d_max, sizeof(int), cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(&mn, d_min, sizeof(int), cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(&first_sorted, d_sorted, sizeof(int), cudaMemcpyDeviceToHost));

    long long ref = 0;
    for (int v : h_in) ref += v;
    printf("sum %d (ref %lld), max %d, min %d, smallest sorted %d, temp %zu bytes\n", sum, ref,
           mx, mn, first_sorted, temp_bytes);

    CUDA_CHECK(cudaFree(d_temp));
    CUDA_CHECK(cudaFree(d_in));
    CUDA_CHECK(cudaFree(d_sum));
    CUDA_CHECK(cudaFree(d_max));
    CUDA_CHECK(cudaFree(d_scan));
    CUDA_CHECK(cudaFree(d_sorted));
    CUDA_CHECK(cudaFree(d_min));
    CUDA_CHECK(cudaStreamDestroy(s));
    return 0;
}
