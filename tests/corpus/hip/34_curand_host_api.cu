// 34_curand_host_api.cu
// Exercises: the cuRAND host API: curandGenerator_t with curandCreateGenerator
// (CURAND_RNG_PSEUDO_PHILOX4_32_10 and CURAND_RNG_QUASI_SOBOL32),
// curandSetPseudoRandomGeneratorSeed, curandSetGeneratorOffset,
// curandSetQuasiRandomGeneratorDimensions, curandSetStream,
// curandGenerateUniform, curandGenerateNormal, curandGenerate (raw bits),
// curandDestroyGenerator, and a CURAND_CALL status macro. The samples feed a
// Monte Carlo estimate of pi computed by a kernel with an integer atomicAdd.
// Needs the cuRAND headers (lib:curand). Warp-size hazards: none.

#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>
#include <curand.h>

#define CUDA_CALL(x)                                                         \
    do {                                                                     \
        if ((x) != cudaSuccess) {                                            \
            printf("CUDA error at %s:%d\n", __FILE__, __LINE__);             \
            return EXIT_FAILURE;                                             \
        }                                                                    \
    } while (0)

#define CURAND_CALL(x)                                                       \
    do {                                                                     \
        curandStatus_t st = (x);                                             \
        if (st != CURAND_STATUS_SUCCESS) {                                   \
            printf("cuRAND error %d at %s:%d\n", (int)st, __FILE__, __LINE__); \
            return EXIT_FAILURE;                                             \
        }                                                                    \
    } while (0)

__global__ void count_inside(const float* xs, const float* ys, unsigned long long* inside, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float x = xs[i], y = ys[i];
        if (x * x + y * y <= 1.0f) atomicAdd(inside, 1ull);
    }
}

int main()
{
    const int n = 1 << 22;
    float *d_x, *d_y, *d_normal;
    unsigned* d_bits;
    unsigned long long* d_inside;
    CUDA_CALL(cudaMalloc(&d_x, n * sizeof(float)));
    CUDA_CALL(cudaMalloc(&d_y, n * sizeof(float)));
    CUDA_CALL(cudaMalloc(&d_normal, n * sizeof(float)));
    CUDA_CALL(cudaMalloc(&d_bits, n * sizeof(unsigned)));
    CUDA_CALL(cudaMalloc(&d_inside, sizeof(unsigned long long)));
    CUDA_CALL(cudaMemset(d_inside, 0, sizeof(unsigned long long)));

    cudaStream_t stream;
    CUDA_CALL(cudaStreamCreate(&stream));

    curandGenerator_t gen;
    CURAND_CALL(curandCreateGenerator(&gen, CURAND_RNG_PSEUDO_PHILOX4_32_10));
    CURAND_CALL(curandSetStream(gen, stream));
    CURAND_CALL(curandSetPseudoRandomGeneratorSeed(gen, 1234ULL));
    CURAND_CALL(curandSetGeneratorOffset(gen, 0ULL));
    CURAND_CALL(curandGenerateUniform(gen, d_x, n));
    CURAND_CALL(curandGenerateUniform(gen, d_y, n));
    CURAND_CALL(curandGenerateNormal(gen, d_normal, n, 0.0f, 1.0f));  // n must be even
    CURAND_CALL(curandGenerate(gen, d_bits, n));

    count_inside<<<(n + 255) / 256, 256, 0, stream>>>(d_x, d_y, d_inside, n);
    CUDA_CALL(cudaGetLastError());

    // A quasi-random generator for comparison.
    curandGenerator_t qgen;
    CURAND_CALL(curandCreateGenerator(&qgen, CURAND_RNG_QUASI_SOBOL32));
    CURAND_CALL(curandSetQuasiRandomGeneratorDimensions(qgen, 1));
    CURAND_CALL(curandSetStream(qgen, stream));
    CURAND_CALL(curandGenerateUniform(qgen, d_x, n));

    CUDA_CALL(cudaStreamSynchronize(stream));
    unsigned long long inside = 0;
    CUDA_CALL(cudaMemcpy(&inside, d_inside, sizeof(inside), cudaMemcpyDeviceToHost));
    printf("pi ~= %.6f from %d samples\n", 4.0 * inside / n, n);

    CURAND_CALL(curandDestroyGenerator(gen));
    CURAND_CALL(curandDestroyGenerator(qgen));
    CUDA_CALL(cudaStreamDestroy(stream));
    CUDA_CALL(cudaFree(d_x));
    CUDA_CALL(cudaFree(d_y));
    CUDA_CALL(cudaFree(d_normal));
    CUDA_CALL(cudaFree(d_bits));
    CUDA_CALL(cudaFree(d_inside));
    return EXIT_SUCCESS;
}
