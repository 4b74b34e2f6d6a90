// 35_curand_device_api.cu
// Exercises: the cuRAND device API (curand_kernel.h): curandState (XORWOW)
// and curandStatePhilox4_32_10_t, curand_init with seed/subsequence/offset,
// curand_uniform, curand_normal, curand_uniform4, curand_poisson and raw
// curand(); per-thread states kept in global memory between launches, and a
// random-walk kernel with a per-thread local copy of the state.
// Needs the cuRAND headers (lib:curand). Warp-size hazards: none.

#include <cstdio>
#include <hip/hip_runtime.h>
#include <hiprand/hiprand_kernel.h>

#define CHECK(x)                                                             \
    do {                                                                     \
        hipError_t e = (x);                                                 \
        if (e != hipSuccess) {                                              \
            printf("%s failed: %s\n", #x, hipGetErrorString(e));            \
            return 1;                                                        \
        }                                                                    \
    } while (0)

__global__ void setup_states(hiprandState* states, unsigned long long seed, int n)
{
    int id = blockIdx.x * blockDim.x + threadIdx.x;
    if (id < n) hiprand_init(seed, id, 0, &states[id]);  // same seed, distinct subsequences
}

__global__ void random_walk(hiprandState* states, float* final_pos, int steps, int n)
{
    int id = blockIdx.x * blockDim.x + threadIdx.x;
    if (id >= n) return;
    hiprandState local = states[id];
    float pos = 0.0f;
    for (int s = 0; s < steps; ++s) {
        float u = hiprand_uniform(&local);  // (0, 1]
        pos += (u < 0.5f) ? -1.0f : 1.0f;
        pos += 0.01f * hiprand_normal(&local);
    }
    states[id] = local;  // keep the advanced state for the next launch
    final_pos[id] = pos;
}

__global__ void philox_samples(unsigned long long seed, float4* uniforms, unsigned* counts,
                               unsigned* bits, int n)
{
    int id = blockIdx.x * blockDim.x + threadIdx.x;
    if (id >= n) return;
    hiprandStatePhilox4_32_10_t st;
    hiprand_init(seed, id, 0, &st);
    uniforms[id] = hiprand_uniform4(&st);
    counts[id] = hiprand_poisson(&st, 4.0);
    bits[id] = hiprand(&st);
}

int main()
{
    const int n = 1 << 16;
    hiprandState* d_states;
    float* d_pos;
    float4* d_u4;
    unsigned *d_counts, *d_bits;
    CHECK(hipMalloc(&d_states, n * sizeof(hiprandState)));
    CHECK(hipMalloc(&d_pos, n * sizeof(float)));
    CHECK(hipMalloc(&d_u4, n * sizeof(float4)));
    CHECK(hipMalloc(&d_counts, n * sizeof(unsigned)));
    CHECK(hipMalloc(&d_bits, n * sizeof(unsigned)));

    const int threads = 128;
    const int blocks = (n + threads - 1) / threads;
    setup_states<<<blocks, threads>>>(d_states, 42ULL, n);
    random_walk<<<blocks, threads>>>(d_states, d_pos, 100, n);
    random_walk<<<blocks, threads>>>(d_states, d_pos, 100, n);
    philox_samples<<<blocks, threads>>>(7ULL, d_u4, d_counts, d_bits, n);
    CHECK(hipGetLastError());
    CHECK(hipDeviceSynchronize());

    float h_pos[4];
    CHECK(hipMemcpy(h_pos, d_pos, sizeof(h_pos), hipMemcpyDeviceToHost));
    printf("walkers 0..3 ended at %.2f %.2f %.2f %.2f\n", h_pos[0], h_pos[1], h_pos[2], h_pos[3]);

    CHECK(hipFree(d_states));
    CHECK(hipFree(d_pos));
    CHECK(hipFree(d_u4));
    CHECK(hipFree(d_counts));
    CHECK(hipFree(d_bits));
    return 0;
}
