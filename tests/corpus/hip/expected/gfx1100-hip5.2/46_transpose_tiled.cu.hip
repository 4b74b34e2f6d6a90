// 46_transpose_tiled.cu
// Exercises: the shared-memory matrix transpose: a naive kernel, a tiled
// kernel with a literal __shared__ float tile[32][33] (the +1 column avoids
// bank conflicts), and a TILE_DIM/BLOCK_ROWS version where each thread
// handles TILE_DIM / BLOCK_ROWS elements; 2D grids with dim3, timing with
// events, and a host check. The 32s here are tile sizes: they must not be
// changed when porting to 64-lane hardware.
// Warp-size hazards: none; SAFE lines for the tile sizes.

#include <cstdio>
#include <vector>
#include <hip/hip_runtime.h>

#define TILE_DIM 32  // SAFE(warp-size): tile edge, not a lane count
#define BLOCK_ROWS 8

__global__ void transpose_naive(const float* __restrict__ in, float* __restrict__ out, int w, int h)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x < w && y < h) out[x * h + y] = in[y * w + x];
}

// One thread per element, 32 x 32 thread blocks.
__global__ void transpose_tile32(const float* __restrict__ in, float* __restrict__ out, int w, int h)
{
    __shared__ float tile[32][33];  // SAFE(warp-size): 32x32 tile padded to 33 columns
    int x = blockIdx.x * 32 + threadIdx.x;  // SAFE(warp-size): tile origin, not lane math
    int y = blockIdx.y * 32 + threadIdx.y;  // SAFE(warp-size): tile origin, not lane math
    if (x < w && y < h) tile[threadIdx.y][threadIdx.x] = in[y * w + x];
    __syncthreads();
    x = blockIdx.y * 32 + threadIdx.x;  // SAFE(warp-size): transposed tile origin
    y = blockIdx.x * 32 + threadIdx.y;  // SAFE(warp-size): transposed tile origin
    if (x < h && y < w) out[y * h + x] = tile[threadIdx.x][threadIdx.y];
}

// TILE_DIM x BLOCK_ROWS threads, each moving TILE_DIM / BLOCK_ROWS elements.
__global__ void transpose_coalesced(const float* __restrict__ in, float* __restrict__ out, int w, int h)
{
    __shared__ float tile[TILE_DIM][TILE_DIM + 1];
    int x = blockIdx.x * TILE_DIM + threadIdx.x;
    int y = blockIdx.y * TILE_DIM + threadIdx.y;
    for (int j = 0; j < TILE_DIM; j += BLOCK_ROWS)
        if (x < w && y + j < h) tile[threadIdx.y + j][threadIdx.x] = in[(y + j) * w + x];
    __syncthreads();
    x = blockIdx.y * TILE_DIM + threadIdx.x;
    y = blockIdx.x * TILE_DIM + threadIdx.y;
    for (int j = 0; j < TILE_DIM; j += BLOCK_ROWS)
        if (x < h && y + j < w) out[(y + j) * h + x] = tile[threadIdx.x][threadIdx.y + j];
}

int main()
{
    const int w = 2048, h = 1536;
    const size_t bytes = (size_t)w * h * sizeof(float);
    std::vector<float> h_in((size_t)w * h), h_out((size_t)w * h);
    for (size_t i = 0; i < h_in.size(); ++i) h_in[i] = static_cast<float>(i);

    float *d_in, *d_out;
    hipMalloc(&d_in, bytes);
    hipMalloc(&d_out, bytes);
    hipMemcpy(d_in, h_in.data(), bytes, hipMemcpyHostToDevice);

    dim3 grid((w + TILE_DIM - 1) / TILE_DIM, (h + TILE_DIM - 1) / TILE_DIM);
    hipEvent_t start, stop;
    hipEventCreate(&start);
    hipEventCreate(&stop);

    transpose_naive<<<grid, dim3(TILE_DIM, TILE_DIM)>>>(d_in, d_out, w, h);
    transpose_tile32<<<grid, dim3(32, 32)>>>(d_in, d_out, w, h);  // SAFE(warp-size): 32x32 block for a 32x32 tile
    hipEventRecord(start);
    transpose_coalesced<<<grid, dim3(TILE_DIM, BLOCK_ROWS)>>>(d_in, d_out, w, h);
    hipEventRecord(stop);
    hipEventSynchronize(stop);
    float ms = 0.0f;
    hipEventElapsedTime(&ms, start, stop);

    hipMemcpy(h_out.data(), d_out, bytes, hipMemcpyDeviceToHost);
    int bad = 0;
    for (int y = 0; y < h && bad < 10; ++y)
        for (int x = 0; x < w; ++x)
            if (h_out[(size_t)x * h + y] != h_in[(size_t)y * w + x]) ++bad;
    printf("transpose %dx%d: %s, %.3f ms (%.1f GB/s)\n", w, h, bad ? "FAILED" : "ok", ms,
           2.0 * bytes / (ms * 1.0e6));

    hipEventDestroy(start);
    hipEventDestroy(stop);
    hipFree(d_in);
    hipFree(d_out);
    return bad ? 1 : 0;
}
