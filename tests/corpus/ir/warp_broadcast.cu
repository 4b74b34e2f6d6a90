// warp_broadcast: lane 0 reads a value and shares it with its warp.
__global__ void warp_broadcast(const float* in, float* out) {
    int lane = threadIdx.x % 32;
    float v = 0.0f;
    if (lane == 0) v = in[blockIdx.x];
    v = __shfl_sync(0xffffffff, v, 0);
    out[blockIdx.x * blockDim.x + threadIdx.x] = v;
}
