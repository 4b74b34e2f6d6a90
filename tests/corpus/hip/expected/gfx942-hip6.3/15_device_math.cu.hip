// 15_device_math.cu
// Exercises: single- and double-precision device math: expf, logf, sqrtf,
// rsqrtf, fmaf, sincosf, tanhf, erff, powf, fabsf, fminf/fmaxf, copysignf;
// the fast intrinsics __expf, __logf, __sinf, __cosf, __fdividef, __powf,
// __saturatef, __fmul_rn, __fmaf_rn, __frcp_rn; double exp/sqrt/fma/rsqrt;
// integer intrinsics __umulhi, __mul24, __clz, __brev; and __ldg loads.
// Warp-size hazards: none.

#include <cstdio>
#include <hip/hip_runtime.h>

__device__ __forceinline__ float gelu_tanh(float x)
{
    const float k0 = 0.7978845608f;  // sqrt(2/pi)
    const float k1 = 0.044715f;
    return 0.5f * x * (1.0f + tanhf(k0 * fmaf(k1 * x * x, x, x)));
}

__device__ __forceinline__ float gelu_erf(float x)
{
    return 0.5f * x * (1.0f + erff(x * 0.70710678f));
}

__global__ void activations(const float* __restrict__ in, float* __restrict__ out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float x = __ldg(in + i);

    float s, c;
    sincosf(x, &s, &c);
    float sig_fast = __fdividef(1.0f, 1.0f + __expf(-x));
    float sig_ref = 1.0f / (1.0f + expf(-x));
    float inv_norm = rsqrtf(fmaf(x, x, 1.0e-6f));
    float softplus = logf(1.0f + expf(x));
    float fast_trig = __sinf(x) * __cosf(x);
    float clamp01 = __saturatef(x);
    float p = powf(fabsf(x), 1.5f) + __powf(fabsf(x) + 1.0f, 0.5f);
    float mixed = __fmaf_rn(__fmul_rn(s, c), __frcp_rn(1.0f + x * x), __logf(2.0f + fabsf(x)));
    float bounded = fminf(fmaxf(x, -1.0f), 1.0f);

    out[i] = gelu_tanh(x) + gelu_erf(x) + (sig_fast - sig_ref) + inv_norm + softplus +
             fast_trig + clamp01 + p + mixed + copysignf(bounded, -x) + sqrtf(fabsf(x));
}

__global__ void double_math(const double* in, double* out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        double x = in[i];
        out[i] = fma(exp(-x * x), sqrt(fabs(x) + 1.0), rsqrt(x * x + 1.0)) + log1p(fabs(x));
    }
}

__global__ void int_math(const unsigned* in, unsigned* out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        unsigned v = in[i];
        out[i] = __umulhi(v, 2654435761u) ^ __brev(v) ^ (unsigned)__clz((int)v) ^
                 (unsigned)__mul24((int)(v & 0xfff), 3);
    }
}

int main()
{
    const int n = 1 << 16;
    float *fin, *fout;
    double *din, *dout;
    unsigned *uin, *uout;
    hipMalloc(&fin, n * sizeof(float));
    hipMalloc(&fout, n * sizeof(float));
    hipMalloc(&din, n * sizeof(double));
    hipMalloc(&dout, n * sizeof(double));
    hipMalloc(&uin, n * sizeof(unsigned));
    hipMalloc(&uout, n * sizeof(unsigned));
    hipMemset(fin, 0, n * sizeof(float));
    hipMemset(din, 0, n * sizeof(double));
    hipMemset(uin, 0, n * sizeof(unsigned));

    activations<<<n / 256, 256>>>(fin, fout, n);
    double_math<<<n / 256, 256>>>(din, dout, n);
    int_math<<<n / 256, 256>>>(uin, uout, n);
    hipError_t err = hipDeviceSynchronize();
    printf("math kernels: %s\n", hipGetErrorString(err));

    float host_out = 0.0f;
    hipMemcpy(&host_out, fout, sizeof(float), hipMemcpyDeviceToHost);
    printf("activations(0) = %f\n", host_out);

    hipFree(fin); hipFree(fout);
    hipFree(din); hipFree(dout);
    hipFree(uin); hipFree(uout);
    return err == hipSuccess ? 0 : 1;
}
