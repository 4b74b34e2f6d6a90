// 57_dynamic_parallelism.cu
// Exercises: CUDA dynamic parallelism: a parent kernel that launches child
// kernels from device code with <<<grid, block>>> and with the named
// device-side streams cudaStreamFireAndForget and cudaStreamTailLaunch, a
// device-side cudaGetLastError check, and host code that raises
// cudaLimitDevRuntimePendingLaunchCount. Requires relocatable device code
// (-rdc=true) and the device runtime library; HIP has no equivalent, so a
// porter should report the device-side launches.
// Warp-size hazards: none.

#include <cstdio>
#include <hip/hip_runtime.h>

__global__ void child_scale(float* seg, int len, float s)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < len) seg[i] *= s;
}

__global__ void child_done(int* done, int segment)
{
    if (threadIdx.x == 0) atomicAdd(&done[segment], 1);
}

// Each parent thread owns one variable-length segment and sizes its own child grid.
__global__ void parent(float* data, const int* offsets, int* done, int segments)
{
    int seg = blockIdx.x * blockDim.x + threadIdx.x;
    if (seg >= segments) return;
    int begin = offsets[seg];
    int len = offsets[seg + 1] - begin;
    if (len == 0) return;

    int threads = len < 256 ? 64 : 256;
    int blocks = (len + threads - 1) / threads;
    hipLaunchKernelGGL(child_scale, dim3(blocks), dim3(threads), 0, cudaStreamFireAndForget, data + begin, len, 2.0f);
    hipError_t err = hipGetLastError();
    if (err != hipSuccess) {
        printf("segment %d: device launch failed (%d)\n", seg, (int)err);
        return;
    }
    hipLaunchKernelGGL(child_done, dim3(1), dim3(1), 0, cudaStreamTailLaunch, done, seg);
}

int main()
{
    const int segments = 128;
    int h_offsets[segments + 1];
    h_offsets[0] = 0;
    for (int s = 0; s < segments; ++s) h_offsets[s + 1] = h_offsets[s] + (s * 97) % 2000;
    const int n = h_offsets[segments];

    float* d_data;
    int *d_offsets, *d_done;
    hipMalloc(&d_data, n * sizeof(float));
    hipMalloc(&d_offsets, (segments + 1) * sizeof(int));
    hipMalloc(&d_done, segments * sizeof(int));
    hipMemset(d_data, 0, n * sizeof(float));
    hipMemset(d_done, 0, segments * sizeof(int));
    hipMemcpy(d_offsets, h_offsets, sizeof(h_offsets), hipMemcpyHostToDevice);

    cudaDeviceSetLimit(cudaLimitDevRuntimePendingLaunchCount, 4096);
    hipLaunchKernelGGL(parent, dim3((segments + 63) / 64), dim3(64), 0, 0, d_data, d_offsets, d_done, segments);
    hipError_t err = hipDeviceSynchronize();
    printf("dynamic parallelism over %d elements: %s\n", n, hipGetErrorString(err));

    hipFree(d_data);
    hipFree(d_offsets);
    hipFree(d_done);
    return err == hipSuccess ? 0 : 1;
}
