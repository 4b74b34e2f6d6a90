// vector_loads: float4 loads and stores through reinterpret_cast.
__global__ void scale4(const float* __restrict__ in, float* __restrict__ out, float a, int n4) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n4) {
        float4 v = reinterpret_cast<const float4*>(in)[i];
        v.x *= a; v.y *= a; v.z *= a; v.w *= a;
        reinterpret_cast<float4*>(out)[i] = v;
    }
}
