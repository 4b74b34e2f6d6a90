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
#include <hip/hip_runtime.h>
#include <hiprand/hiprand.h>

#define CUDA_CALL(x)                                                         \
    do {                                                                     \
        if ((x) != hipSuccess) {                                            \
            printf("CUDA error at %s:%d\n", __FILE__, __LINE__);             \
            return EXIT_FAILURE;                                             \
        }                                                                    \
    } while (0)

#define CURAND_CALL(x)                                                       \
    do {                                                                     \
        hiprandStatus_t st = (x);                                             \
        if (st != HIPRAND_STATUS_SUCCESS) {                                   \
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
    CUDA_CALL(hipMalloc(&d_x, n * sizeof(float)));
    CUDA_CALL(hipMalloc(&d_y, n * sizeof(float)));
    CUDA_CALL(hipMalloc(&d_normal, n * sizeof(float)));
    CUDA_CALL(hipMalloc(&d_bits, n * sizeof(unsigned)));
    CUDA_CALL(hipMalloc(&d_inside, sizeof(unsigned long long)));
    CUDA_CALL(hipMemset(d_inside, 0, sizeof(unsigned long long)));

    hipStream_t stream;
    CUDA_CALL(hipStreamCreate(&stream));

    hiprandGenerator_t gen;
    CURAND_CALL(hiprandCreateGenerator(&gen, HIPRAND_RNG_PSEUDO_PHILOX4_32_10));
    CURAND_CALL(hiprandSetStream(gen, stream));
    CURAND_CALL(hiprandSetPseudoRandomGeneratorSeed(gen, 1234ULL));
    CURAND_CALL(hiprandSetGeneratorOffset(gen, 0ULL));
    CURAND_CALL(hiprandGenerateUniform(gen, d_x, n));
    CURAND_CALL(hiprandGenerateUniform(gen, d_y, n));
    CURAND_CALL(hiprandGenerateNormal(gen, d_normal, n, 0.0f, 1.0f));  // n must be even
    CURAND_CALL(hiprandGenerate(gen, d_bits, n));

    count_inside<<<(n + 255) / 256, 256, 0, stream>>>(d_x, d_y, d_inside, n);
    CUDA_CALL(hipGetLastError());

    // A quasi-random generator for comparison.
    hiprandGenerator_t qgen;
    CURAND_CALL(hiprandCreateGenerator(&qgen, HIPRAND_RNG_QUASI_SOBOL32));
    CURAND_CALL(hiprandSetQuasiRandomGeneratorDimensions(qgen, 1));
    CURAND_CALL(hiprandSetStream(qgen, stream));
    CURAND_CALL(hiprandGenerateUniform(qgen, d_x, n));

    CUDA_CALL(hipStreamSynchronize(stream));
    unsigned long long inside = 0;
    CUDA_CALL(hipMemcpy(&inside, d_inside, sizeof(inside), hipMemcpyDeviceToHost));
    printf("pi ~= %.6f from %d samples\n", 4.0 * inside / n, n);

    CURAND_CALL(hiprandDestroyGenerator(gen));
    CURAND_CALL(hiprandDestroyGenerator(qgen));
    CUDA_CALL(hipStreamDestroy(stream));
    CUDA_CALL(hipFree(d_x));
    CUDA_CALL(hipFree(d_y));
    CUDA_CALL(hipFree(d_normal));
    CUDA_CALL(hipFree(d_bits));
    CUDA_CALL(hipFree(d_inside));
    return EXIT_SUCCESS;
}
