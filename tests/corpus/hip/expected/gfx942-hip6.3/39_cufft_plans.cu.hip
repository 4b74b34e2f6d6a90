// 39_cufft_plans.cu
// Exercises: cuFFT: cufftHandle, cufftPlan1d (R2C and C2R), cufftPlan2d
// (C2C), cufftPlanMany for a batch of strided 1D transforms, cufftSetStream,
// cufftExecR2C / cufftExecC2R / cufftExecC2C with CUFFT_FORWARD and
// CUFFT_INVERSE, cufftDestroy, cufftComplex / cufftReal types, a CUFFT_CHECK
// macro over cufftResult, and a normalisation kernel on the same stream.
// Needs the cuFFT headers (lib:cufft). Warp-size hazards: none.

#include <cstdio>
#include <cstdlib>
#include <hip/hip_runtime.h>
#include <hipfft/hipfft.h>

#define CUDA_CHECK(x)                                                        \
    do {                                                                     \
        hipError_t e = (x);                                                 \
        if (e != hipSuccess) {                                              \
            fprintf(stderr, "CUDA %s\n", hipGetErrorString(e));             \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#define CUFFT_CHECK(x)                                                       \
    do {                                                                     \
        hipfftResult r = (x);                                                 \
        if (r != HIPFFT_SUCCESS) {                                            \
            fprintf(stderr, "cuFFT error %d at line %d\n", (int)r, __LINE__); \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

__global__ void scale_real(hipfftReal* data, float factor, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) data[i] *= factor;
}

__global__ void scale_complex(hipfftComplex* data, float factor, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        data[i].x *= factor;
        data[i].y *= factor;
    }
}

int main()
{
    const int N = 4096, NX = 256, NY = 256, BATCH = 8;

    hipfftReal* d_signal;
    hipfftComplex *d_spectrum, *d_image, *d_batch;
    CUDA_CHECK(hipMalloc(&d_signal, N * sizeof(hipfftReal)));
    CUDA_CHECK(hipMalloc(&d_spectrum, (N / 2 + 1) * sizeof(hipfftComplex)));
    CUDA_CHECK(hipMalloc(&d_image, NX * NY * sizeof(hipfftComplex)));
    CUDA_CHECK(hipMalloc(&d_batch, N * BATCH * sizeof(hipfftComplex)));
    CUDA_CHECK(hipMemset(d_signal, 0, N * sizeof(hipfftReal)));
    CUDA_CHECK(hipMemset(d_image, 0, NX * NY * sizeof(hipfftComplex)));
    CUDA_CHECK(hipMemset(d_batch, 0, N * BATCH * sizeof(hipfftComplex)));

    hipStream_t stream;
    CUDA_CHECK(hipStreamCreate(&stream));

    hipfftHandle fwd, inv, plan2d, many;
    CUFFT_CHECK(hipfftPlan1d(&fwd, N, HIPFFT_R2C, 1));
    CUFFT_CHECK(hipfftPlan1d(&inv, N, HIPFFT_C2R, 1));
    CUFFT_CHECK(hipfftPlan2d(&plan2d, NX, NY, HIPFFT_C2C));
    int dims[1] = {N};
    CUFFT_CHECK(hipfftPlanMany(&many, 1, dims, nullptr, 1, N, nullptr, 1, N, HIPFFT_C2C, BATCH));
    for (hipfftHandle p : {fwd, inv, plan2d, many}) CUFFT_CHECK(hipfftSetStream(p, stream));

    // Round trip a real signal; cuFFT does not normalise, so divide by N.
    CUFFT_CHECK(hipfftExecR2C(fwd, d_signal, d_spectrum));
    CUFFT_CHECK(hipfftExecC2R(inv, d_spectrum, d_signal));
    scale_real<<<(N + 255) / 256, 256, 0, stream>>>(d_signal, 1.0f / N, N);

    CUFFT_CHECK(hipfftExecC2C(plan2d, d_image, d_image, HIPFFT_FORWARD));
    CUFFT_CHECK(hipfftExecC2C(plan2d, d_image, d_image, HIPFFT_BACKWARD));
    scale_complex<<<(NX * NY + 255) / 256, 256, 0, stream>>>(d_image, 1.0f / (NX * NY), NX * NY);

    CUFFT_CHECK(hipfftExecC2C(many, d_batch, d_batch, HIPFFT_FORWARD));
    CUDA_CHECK(hipGetLastError());
    CUDA_CHECK(hipStreamSynchronize(stream));
    printf("cuFFT: 1D R2C/C2R, 2D C2C and %d batched transforms done\n", BATCH);

    CUFFT_CHECK(hipfftDestroy(fwd));
    CUFFT_CHECK(hipfftDestroy(inv));
    CUFFT_CHECK(hipfftDestroy(plan2d));
    CUFFT_CHECK(hipfftDestroy(many));
    CUDA_CHECK(hipStreamDestroy(stream));
    CUDA_CHECK(hipFree(d_signal));
    CUDA_CHECK(hipFree(d_spectrum));
    CUDA_CHECK(hipFree(d_image));
    CUDA_CHECK(hipFree(d_batch));
    return 0;
}
