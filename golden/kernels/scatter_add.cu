// scatter_add: out[index[i]][:] += src[i][:] with float atomicAdd; indices repeat, so several
// threads add to the same row (in an order that varies from run to run).
__global__ void scatter_add(const float* __restrict__ src, const int* __restrict__ index, float* __restrict__ out,
                            int items, int features) {
    int f = blockIdx.x * blockDim.x + threadIdx.x;
    int item = blockIdx.y;
    if (f < features && item < items) {
        atomicAdd(&out[(size_t)index[item] * features + f], src[(size_t)item * features + f]);
    }
}
