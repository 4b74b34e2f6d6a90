// 17_shared_histogram.cu
// Exercises: shared-memory atomics (atomicAdd on __shared__ unsigned),
// privatised per-block histograms merged into global memory, a zero-init and
// flush loop strided by blockDim.x, cudaMemset of the result, and a coarse
// 32-bucket histogram whose "& 31" and "[32]" are bucket arithmetic, not lanes.
// Warp-size hazards: none (the literal 32s here count buckets).

#include <cstdio>
#include <cstdint>
#include <vector>
#include <hip/hip_runtime.h>

constexpr int kBins = 256;
constexpr int kCoarseBins = 32;  // SAFE(warp-size): number of coarse buckets, not lanes

__global__ void histogram256(const uint8_t* __restrict__ data, size_t n, unsigned* __restrict__ hist)
{
    __shared__ unsigned local[kBins];
    for (int b = threadIdx.x; b < kBins; b += blockDim.x) local[b] = 0;
    __syncthreads();

    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += stride) {
        atomicAdd(&local[data[i]], 1u);
    }
    __syncthreads();

    for (int b = threadIdx.x; b < kBins; b += blockDim.x) {
        if (local[b]) atomicAdd(&hist[b], local[b]);
    }
}

__global__ void histogram_coarse(const uint8_t* __restrict__ data, size_t n, unsigned* __restrict__ hist)
{
    __shared__ unsigned buckets[kCoarseBins];
    if (threadIdx.x < kCoarseBins) buckets[threadIdx.x] = 0;
    __syncthreads();

    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += stride) {
        unsigned bucket = (data[i] >> 3) & 31;  // SAFE(warp-size): value bucket, not a lane id
        atomicAdd(&buckets[bucket], 1u);
    }
    __syncthreads();
    if (threadIdx.x < kCoarseBins) atomicAdd(&hist[threadIdx.x], buckets[threadIdx.x]);
}

int main()
{
    const size_t n = 16u << 20;
    std::vector<uint8_t> h_data(n);
    for (size_t i = 0; i < n; ++i) h_data[i] = static_cast<uint8_t>((i * 2654435761u) >> 24);

    uint8_t* d_data = nullptr;
    unsigned *d_hist = nullptr, *d_coarse = nullptr;
    hipMalloc(&d_data, n);
    hipMalloc(&d_hist, kBins * sizeof(unsigned));
    hipMalloc(&d_coarse, kCoarseBins * sizeof(unsigned));
    hipMemcpy(d_data, h_data.data(), n, hipMemcpyHostToDevice);
    hipMemset(d_hist, 0, kBins * sizeof(unsigned));
    hipMemset(d_coarse, 0, kCoarseBins * sizeof(unsigned));

    int sms = 0;
    hipDeviceGetAttribute(&sms, hipDeviceAttributeMultiprocessorCount, 0);
    histogram256<<<sms * 4, 512>>>(d_data, n, d_hist);
    histogram_coarse<<<sms * 4, 512>>>(d_data, n, d_coarse);
    hipError_t err = hipDeviceSynchronize();
    if (err != hipSuccess) {
        printf("histogram kernels failed: %s\n", hipGetErrorString(err));
        return 1;
    }

    std::vector<unsigned> h_hist(kBins), h_coarse(kCoarseBins);
    hipMemcpy(h_hist.data(), d_hist, kBins * sizeof(unsigned), hipMemcpyDeviceToHost);
    hipMemcpy(h_coarse.data(), d_coarse, kCoarseBins * sizeof(unsigned), hipMemcpyDeviceToHost);
    unsigned long long total = 0, total_coarse = 0;
    for (unsigned c : h_hist) total += c;
    for (unsigned c : h_coarse) total_coarse += c;
    printf("counted %llu / %llu bytes (expected %zu)\n", total, total_coarse, n);

    hipFree(d_data);
    hipFree(d_hist);
    hipFree(d_coarse);
    return 0;
}
