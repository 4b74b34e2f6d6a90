// 53_multi_gpu_peer.cu
// Exercises: multi-GPU runtime calls: cudaGetDeviceCount, cudaSetDevice /
// cudaGetDevice per device, per-device streams and buffers,
// cudaDeviceCanAccessPeer, cudaDeviceEnablePeerAccess (tolerating
// cudaErrorPeerAccessAlreadyEnabled), cudaMemcpyPeerAsync, a kernel reading a
// peer's memory directly, cudaPointerGetAttributes, and
// cudaDeviceDisablePeerAccess. Falls back to a single device gracefully.
// Warp-size hazards: none.

#include <cstdio>
#include <vector>
#include <hip/hip_runtime.h>

#define CHECK(x)                                                             \
    do {                                                                     \
        hipError_t e = (x);                                                 \
        if (e != hipSuccess) {                                              \
            printf("%s:%d %s\n", __FILE__, __LINE__, hipGetErrorString(e)); \
            return 1;                                                        \
        }                                                                    \
    } while (0)

__global__ void add_from_peer(float* local, const float* remote, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) local[i] += remote[i];
}

int main()
{
    int count = 0;
    CHECK(hipGetDeviceCount(&count));
    const int ndev = count < 2 ? count : 2;
    if (ndev == 0) {
        printf("no devices\n");
        return 0;
    }

    const int n = 1 << 20;
    std::vector<float*> bufs(ndev, nullptr);
    std::vector<hipStream_t> streams(ndev);
    for (int d = 0; d < ndev; ++d) {
        CHECK(hipSetDevice(d));
        CHECK(hipMalloc(&bufs[d], n * sizeof(float)));
        CHECK(hipMemset(bufs[d], 0, n * sizeof(float)));
        CHECK(hipStreamCreate(&streams[d]));
    }

    if (ndev == 2) {
        int can01 = 0, can10 = 0;
        CHECK(hipDeviceCanAccessPeer(&can01, 0, 1));
        CHECK(hipDeviceCanAccessPeer(&can10, 1, 0));
        printf("peer access 0->1: %d, 1->0: %d\n", can01, can10);

        if (can01) {
            CHECK(hipSetDevice(0));
            hipError_t e = hipDeviceEnablePeerAccess(1, 0);
            if (e == hipErrorPeerAccessAlreadyEnabled) {
                hipGetLastError();  // clear it; nothing to do
            } else if (e != hipSuccess) {
                printf("cudaDeviceEnablePeerAccess: %s\n", hipGetErrorString(e));
                return 1;
            }
            add_from_peer<<<(n + 255) / 256, 256, 0, streams[0]>>>(bufs[0], bufs[1], n);
            CHECK(hipGetLastError());
        }
        // Explicit copy device 1 -> device 0 works with or without peer access.
        CHECK(hipMemcpyPeerAsync(bufs[0], 0, bufs[1], 1, n * sizeof(float), streams[0]));
        CHECK(hipStreamSynchronize(streams[0]));
        if (can01) CHECK(hipDeviceDisablePeerAccess(1));
    }

    hipPointerAttribute_t attr;
    CHECK(hipPointerGetAttributes(&attr, bufs[0]));
    printf("bufs[0] lives on device %d (type %d)\n", attr.device, (int)attr.memoryType);

    int current = -1;
    CHECK(hipGetDevice(&current));
    for (int d = 0; d < ndev; ++d) {
        CHECK(hipSetDevice(d));
        CHECK(hipStreamDestroy(streams[d]));
        CHECK(hipFree(bufs[d]));
    }
    CHECK(hipSetDevice(current));
    return 0;
}
