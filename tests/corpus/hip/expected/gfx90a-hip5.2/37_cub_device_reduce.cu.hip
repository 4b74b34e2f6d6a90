// 37_cub_device_reduce.cu
// Exercises: CUB device-wide algorithms with the two-call temp-storage
// pattern (first call with d_temp == nullptr to query the size, then
// cudaMalloc and the real call): cub::DeviceReduce::Sum, cub::DeviceReduce::Max,
// cub::DeviceReduce::Min, cub::DeviceScan::ExclusiveSum,
// and cub::DeviceRadixSort::SortKeys; all on one stream.
// CUB ships with the CUDA toolkit. Warp-size hazards: none.

#include <cstdio>
#include <vector>
#include <hip/hip_runtime.h>
#include <hipcub/hipcub.hpp>

#define CUDA_CHECK(x)                                                        \
    do {                                                                     \
        hipError_t e_ = (x);                                                \
        if (e_ != hipSuccess) {                                             \
            printf("%s:%d: %s\n", __FILE__, __LINE__, hipGetErrorString(e_)); \
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
    CUDA_CHECK(hipMalloc(&d_in, n * sizeof(int)));
    CUDA_CHECK(hipMalloc(&d_sum, sizeof(int)));
    CUDA_CHECK(hipMalloc(&d_max, sizeof(int)));
    CUDA_CHECK(hipMalloc(&d_scan, n * sizeof(int)));
    CUDA_CHECK(hipMalloc(&d_sorted, n * sizeof(int)));
    CUDA_CHECK(hipMalloc(&d_min, sizeof(int)));
    CUDA_CHECK(hipMemcpy(d_in, h_in.data(), n * sizeof(int), hipMemcpyHostToDevice));

    hipStream_t s;
    CUDA_CHECK(hipStreamCreate(&s));

    // Size every algorithm's scratch space, then allocate the largest once.
    size_t bytes_sum = 0, bytes_max = 0, bytes_min = 0, bytes_scan = 0, bytes_sort = 0;
    CUDA_CHECK(hipcub::DeviceReduce::Sum(nullptr, bytes_sum, d_in, d_sum, n, s));
    CUDA_CHECK(hipcub::DeviceReduce::Max(nullptr, bytes_max, d_in, d_max, n, s));
    CUDA_CHECK(hipcub::DeviceReduce::Min(nullptr, bytes_min, d_in, d_min, n, s));
    CUDA_CHECK(hipcub::DeviceScan::ExclusiveSum(nullptr, bytes_scan, d_in, d_scan, n, s));
    CUDA_CHECK(hipcub::DeviceRadixSort::SortKeys(nullptr, bytes_sort, d_in, d_sorted, n, 0,
                                              sizeof(int) * 8, s));
    size_t temp_bytes = bytes_sum;
    for (size_t b : {bytes_max, bytes_min, bytes_scan, bytes_sort})
        if (b > temp_bytes) temp_bytes = b;
    void* d_temp = nullptr;
    CUDA_CHECK(hipMalloc(&d_temp, temp_bytes));

    CUDA_CHECK(hipcub::DeviceReduce::Sum(d_temp, temp_bytes, d_in, d_sum, n, s));
    CUDA_CHECK(hipcub::DeviceReduce::Max(d_temp, temp_bytes, d_in, d_max, n, s));
    CUDA_CHECK(hipcub::DeviceReduce::Min(d_temp, temp_bytes, d_in, d_min, n, s));
    CUDA_CHECK(hipcub::DeviceScan::ExclusiveSum(d_temp, temp_bytes, d_in, d_scan, n, s));
    CUDA_CHECK(hipcub::DeviceRadixSort::SortKeys(d_temp, temp_bytes, d_in, d_sorted, n, 0,
                                              sizeof(int) * 8, s));
    CUDA_CHECK(hipStreamSynchronize(s));

    int sum = 0, mx = 0, mn = 0, first_sorted = 0;
    CUDA_CHECK(hipMemcpy(&sum, d_sum, sizeof(int), hipMemcpyDeviceToHost));
    CUDA_CHECK(hipMemcpy(&mx, d_max, sizeof(int), hipMemcpyDeviceToHost));
    CUDA_CHECK(hipMemcpy(&mn, d_min, sizeof(int), hipMemcpyDeviceToHost));
    CUDA_CHECK(hipMemcpy(&first_sorted, d_sorted, sizeof(int), hipMemcpyDeviceToHost));

    long long ref = 0;
    for (int v : h_in) ref += v;
    printf("sum %d (ref %lld), max %d, min %d, smallest sorted %d, temp %zu bytes\n", sum, ref,
           mx, mn, first_sorted, temp_bytes);

    CUDA_CHECK(hipFree(d_temp));
    CUDA_CHECK(hipFree(d_in));
    CUDA_CHECK(hipFree(d_sum));
    CUDA_CHECK(hipFree(d_max));
    CUDA_CHECK(hipFree(d_scan));
    CUDA_CHECK(hipFree(d_sorted));
    CUDA_CHECK(hipFree(d_min));
    CUDA_CHECK(hipStreamDestroy(s));
    return 0;
}
