// 26_shuffle_variants.cu
// Exercises: every shuffle flavour with and without the optional width
// argument: __shfl_sync (broadcast, with width 8), __shfl_up_sync,
// __shfl_down_sync (with width 16), __shfl_xor_sync (with width 16);
// partial masks: 0x0000ffff for the lower half-warp and 0xffff0000 for the
// upper half of a 32-lane warp; and a mask taken from __activemask().
// Lane ids here come from threadIdx.x % warpSize (portable) except where noted.
// Warp-size hazards: full masks, the upper-half mask and the 32-bit active mask.

#include <cstdio>
#include <hip/hip_runtime.h>

// Each group of 8 lanes takes the value of its first lane.
__global__ void broadcast_groups_of_8(const int* in, int* out)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int v = in[i];
    out[i] = __shfl_sync(__activemask(), v, 0, 8);  // HAZARD(warp-size): full 32-lane mask
}

// Independent sums over each 16-lane segment, using the width argument.
__global__ void segmented_sum16(const float* in, float* out)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float v = in[i];
    for (int off = 8; off > 0; off >>= 1)
        v += __shfl_xor_sync(__activemask(), v, off, 16);  // HAZARD(warp-size): full 32-lane mask
    out[i] = v;
}

// Neighbour differences: up-shuffle by one lane, no width argument.
__global__ void neighbour_diff(const float* in, float* out)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int lane = threadIdx.x % warpSize;
    float v = in[i];
    float prev = __shfl_up_sync(__activemask(), v, 1);  // HAZARD(warp-size): full 32-lane mask
    out[i] = lane == 0 ? 0.0f : v - prev;
}

// Lower and upper halves of the warp take different paths.
__global__ void half_warp_paths(const float* in, float* out)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int lane = threadIdx.x % warpSize;
    float v = in[i];
    if (lane < 16) {  // HAZARD(warp-size): 16 is half of a 32-lane warp
        v += __shfl_down_sync(0x0000ffffULL, v, 4, 16);
        v += __shfl_down_sync(0x0000ffffULL, v, 2, 16);
        v += __shfl_down_sync(0x0000ffffULL, v, 1, 16);
    } else {
        const unsigned upper = 0xffff0000;  // HAZARD(warp-size): upper half of a 32-lane warp
        v = __shfl_sync(static_cast<unsigned long long>(upper), v, 0, 16);
    }
    out[i] = v;
}

// Only some lanes are active; shuffle within whatever set is active.
__global__ void active_only(const int* in, int* out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n && (in[i] & 1)) {
        unsigned long long mask = __activemask();  // HAZARD(warp-size): lane mask kept in 32 bits
        int leader = __ffsll(mask) - 1;  // HAZARD(warp-size): __ffs of a 32-bit lane mask
        out[i] = __shfl_sync(static_cast<unsigned long long>(mask), in[i], leader);
    }
}

int main()
{
    const int n = 1024;
    int *di, *dio;
    float *df, *dfo;
    hipMalloc(&di, n * sizeof(int));
    hipMalloc(&dio, n * sizeof(int));
    hipMalloc(&df, n * sizeof(float));
    hipMalloc(&dfo, n * sizeof(float));
    hipMemset(di, 0, n * sizeof(int));
    hipMemset(df, 0, n * sizeof(float));

    broadcast_groups_of_8<<<n / 128, 128>>>(di, dio);
    segmented_sum16<<<n / 128, 128>>>(df, dfo);
    neighbour_diff<<<n / 128, 128>>>(df, dfo);
    half_warp_paths<<<n / 128, 128>>>(df, dfo);
    active_only<<<n / 128, 128>>>(di, dio, n);
    hipError_t err = hipDeviceSynchronize();
    printf("shuffle variants: %s\n", hipGetErrorString(err));

    hipFree(di); hipFree(dio);
    hipFree(df); hipFree(dfo);
    return err == hipSuccess ? 0 : 1;
}
