// 39_cufft_plans.cu
// Exercises: cuFFT: cufftHandle, cufftPlan1d (R2C and C2R), cufftPlan2d
// (C2C), cufftPlanMany for a batch of strided 1D transforms, cufftSetStream,
// cufftExecR2C / cufftExecC2R / cufftExecC2C with CUFFT_FORWARD and
// CUFFT_INVERSE, cufftDestroy, cufftComplex / cufftReal types, a CUFFT_CHECK
// macro over cufftResult, and a normalisation kernel on the same stream.
// Needs the cuFFT headers (lib:cufft). Warp-size hazards: none.

#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>
#include <cufft.h>

#define CUDA_CHECK(x)                                                        \
    do {                                                                     \
        cudaError_t e = (x);                                                 \
        if (e != cudaSuccess) {                                              \
            fprintf(stderr, "CUDA %s\n", cudaGetErrorString(e));             \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

#define CUFFT_CHECK(x)                                                       \
    do {                                                                     \
        cufftResult r = (x);                                                 \
        if (r != CUFFT_SUCCESS) {                                            \
            fprintf(stderr, "cuFFT error %d at line %d\n", (int)r, __LINE__); \
            exit(1);                                                         \
        }                                                                    \
    } while (0)

__global__ void scale_real(cufftReal* data, float factor, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) data[i] *= factor;
}

__global__ void scale_complex(cufftComplex* data, float factor, int n)
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

    cufftReal* d_signal;
    cufftComplex *d_spectrum, *d_image, *d_batch;
    CUDA_CHECK(cudaMalloc(&d_signal, N * sizeof(cufftReal)));
    CUDA_CHECK(cudaMalloc(&d_spectrum, (N / 2 + 1) * sizeof(cufftComplex)));
    CUDA_CHECK(cudaMalloc(&d_image, NX * NY * sizeof(cufftComplex)));
    CUDA_CHECK(cudaMalloc(&d_batch, N * BATCH * sizeof(cufftComplex)));
    CUDA_CHECK(cudaMemset(d_signal, 0, N * sizeof(cufftReal)));
    CUDA_CHECK(cudaMemset(d_image, 0, NX * NY * sizeof(cufftComplex)));
    CUDA_CHECK(cudaMemset(d_batch, 0, N * BATCH * sizeof(cufftComplex)));

    cudaStream_t stream;
    CUDA_CHECK(cudaStreamCreate(&stream));

    cufftHandle fwd, inv, plan2d, many;
    CUFFT_CHECK(cufftPlan1d(&fwd, N, CUFFT_R2C, 1));
    CUFFT_CHECK(cufftPlan1d(&inv, N, CUFFT_C2R, 1));
    CUFFT_CHECK(cufftPlan2d(&plan2d, NX, NY, CUFFT_C2C));
    int dims[1] = {N};
    CUFFT_CHECK(cufftPlanMany(&many, 1, dims, nullptr, 1, N, nullptr, 1, N, CUFFT_C2C, BATCH));
    for (cufftHandle p : {fwd, inv, plan2d, many}) CUFFT_CHECK(cufftSetStream(p, stream));

    // Round trip a real signal; cuFFT does not normalise, so divide by N.
    CUFFT_CHECK(cufftExecR2C(fwd, d_signal, d_spectrum));
    CUFFT_CHECK(cufftExecC2R(inv, d_spectrum, d_signal));
    scale_real<<<(N + 255) / 256, 256, 0, stream>>>(d_signal, 1.0f / N, N);

    CUFFT_CHECK(cufftExecC2C(plan2d, d_image, d_image, CUFFT_FORWARD));
    CUFFT_CHECK(cufftExecC2C(plan2d, d_image, d_image, CUFFT_INVERSE));
    scale_complex<<<(NX * NY + 255) / 256, 256, 0, stream>>>(d_image, 1.0f / (NX * NY), NX * NY);

    CUFFT_CHECK(cufftExecC2C(many, d_batch, d_batch, CUFFT_FORWARD));
    CUDA_CHECK(cudaGetLastError());
    CUDA_CHECK(cudaStreamSynchronize(stream));
    printf("cuFFT: 1D R2C/C2R, 2D C2C and %d batched transforms done\n", BATCH);

    CUFFT_CHECK(cufftDestroy(fwd));
    CUFFT_CHECK(cufftDestroy(inv));
    CUFFT_CHECK(cufftDestroy(plan2d));
    CUFFT_CHECK(cufftDestroy(many));
    CUDA_CHECK(cudaStreamDestroy(stream));
    CUDA_CHECK(cudaFree(d_signal));
    CUDA_CHECK(cudaFree(d_spectrum));
    CUDA_CHECK(cudaFree(d_image));
    CUDA_CHECK(cudaFree(d_batch));
    return 0;
}
