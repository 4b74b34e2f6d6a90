// 35_curand_device_api.cu
// Exercises: the cuRAND device API (curand_kernel.h): curandState (XORWOW)
// and curandStatePhilox4_32_10_t, curand_init with seed/subsequence/offset,
// curand_uniform, curand_normal, curand_uniform4, curand_poisson and raw
// curand(); per-thread states kept in global memory between launches, and a
// random-walk kernel with a per-thread local copy of the state.
// Needs the cuRAND headers (lib:curand). Warp-size hazards: none.

#include <cstdio>
#include <cuda_runtime.h>
#include <curand_kernel.h>

#define CHECK(x)                                                             \
    do {                                                                     \
        cudaError_t e = (x);                                                 \
        if (e != cudaSuccess) {                                              \
            printf("%s failed: %s\n", #x, cudaGetErrorString(e));            \
            return 1;                                                        \
        }                                                                    \
    } while (0)

__global__ void setup_states(curandState* states, unsigned long long seed, int n)
{
    int id = blockIdx.x * blockDim.x + threadIdx.x;
    if (id < n) curand_init(seed, id, 0, &states[id]);  // same seed, distinct subsequences
}

__global__ void random_walk(curandState* states, float* final_pos, int steps, int n)
{
    int id = blockIdx.x * blockDim.x + threadIdx.x;
    if (id >= n) return;
    curandState local = states[id];
    float pos = 0.0f;
    for (int s = 0; s < steps; ++s) {
        float u = curand_uniform(&local);  // (0, 1]
        pos += (u < 0.5f) ? -1.0f : 1.0f;
        pos += 0.01f * curand_normal(&local);
    }
    states[id] = local;  // keep the advanced state for the next launch
    final_pos[id] = pos;
}

__global__ void philox_samples(unsigned long long seed, float4* uniforms, unsigned* counts,
                               unsigned* bits, int n)
{
    int id = blockIdx.x * blockDim.x + threadIdx.x;
    if (id >= n) return;
    curandStatePhilox4_32_10_t st;
    curand_init(seed, id, 0, &st);
    uniforms[id] = curand_uniform4(&st);
    counts[id] = curand_poisson(&st, 4.0);
    bits[id] = curand(&st);
}

int main()
{
    const int n = 1 << 16;
    curandState* d_states;
    float* d_pos;
    float4* d_u4;
    unsigned *d_counts, *d_bits;
    CHECK(cudaMalloc(&d_states, n * sizeof(curandState)));
    CHECK(cudaMalloc(&d_pos, n * sizeof(float)));
    CHECK(cudaMalloc(&d_u4, n * sizeof(float4)));
    CHECK(cudaMalloc(&d_counts, n * sizeof(unsigned)));
    CHECK(cudaMalloc(&d_bits, n * sizeof(unsigned)));

    const int threads = 128;
    const int blocks = (n + threads - 1) / threads;
    setup_states<<<blocks, threads>>>(d_states, 42ULL, n);
    random_walk<<<blocks, threads>>>(d_states, d_pos, 100, n);
    random_walk<<<blocks, threads>>>(d_states, d_pos, 100, n);
    philox_samples<<<blocks, threads>>>(7ULL, d_u4, d_counts, d_bits, n);
    CHECK(cudaGetLastError());
    CHECK(cudaDeviceSynchronize());

    float h_pos[4];
    CHECK(cudaMemcpy(h_pos, d_pos, sizeof(h_pos), cudaMemcpyDeviceToHost));
    printf("walkers 0..3 ended at %.2f %.2f %.2f %.2f\n", h_pos[0], h_pos[1], h_pos[2], h_pos[3]);

    CHECK(cudaFree(d_states));
    CHECK(cudaFree(d_pos));
    CHECK(cudaFree(d_u4));
    CHECK(cudaFree(d_counts));
    CHECK(cudaFree(d_bits));
    return 0;
}
