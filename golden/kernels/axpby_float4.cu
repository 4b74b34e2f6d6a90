// axpby_float4: y = a*x + b*y with 4-wide (float4) loads and stores, and a scalar tail for the
// last n % 4 elements. cudaMalloc'd buffers are 16-byte aligned, so the float4 view is valid.
__global__ void axpby_float4(int n, float a, const float* __restrict__ x, float b, float* __restrict__ y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int n4 = n / 4;
    if (i < n4) {
        float4 xv = reinterpret_cast<const float4*>(x)[i];
        float4 yv = reinterpret_cast<float4*>(y)[i];
        yv.x = a * xv.x + b * yv.x;
        yv.y = a * xv.y + b * yv.y;
        yv.z = a * xv.z + b * yv.z;
        yv.w = a * xv.w + b * yv.w;
        reinterpret_cast<float4*>(y)[i] = yv;
    }
    int tail = n4 * 4 + i;
    if (i < n - n4 * 4) {
        y[tail] = a * x[tail] + b * y[tail];
    }
}
