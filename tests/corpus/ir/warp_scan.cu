// warp_scan: an inclusive scan within each warp with __shfl_up_sync.
__global__ void warp_scan(const int* in, int* out) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int lane = threadIdx.x & 31;
    int v = in[i];
    for (int offset = 1; offset < 32; offset <<= 1) {
        int n = __shfl_up_sync(0xffffffff, v, offset);
        if (lane >= offset) v += n;
    }
    out[i] = v;
}
