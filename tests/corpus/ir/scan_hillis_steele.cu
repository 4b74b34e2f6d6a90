// scan_hillis_steele: an inclusive block scan that reads behind (s[tid - d]) in a doubling loop.
__global__ void scan_hillis_steele(const int* in, int* out, int n) {
    __shared__ int temp[512];
    int tid = threadIdx.x;
    int i = blockIdx.x * blockDim.x + tid;
    temp[tid] = i < n ? in[i] : 0;
    __syncthreads();
    for (int d = 1; d < blockDim.x; d *= 2) {
        int t = 0;
        if (tid >= d) t = temp[tid - d];
        __syncthreads();
        temp[tid] += t;
        __syncthreads();
    }
    if (i < n) out[i] = temp[tid];
}
