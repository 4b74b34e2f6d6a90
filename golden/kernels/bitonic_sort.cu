// bitonic_sort: sorts each 2*blockDim.x-long segment of keys ascending, carrying each key's
// original index, with a bitonic network in dynamic shared memory. Each thread owns two slots;
// slots past the end of the array hold +infinity so they sort last and are not written back.
// blockDim.x must be a power of two (read at run time).
__global__ void bitonic_sort(const float* __restrict__ keys, float* __restrict__ sorted, int* __restrict__ order,
                             int n) {
    extern __shared__ float shared[];
    unsigned size = 2 * blockDim.x;
    float* key = shared;
    int* index = reinterpret_cast<int*>(shared + size);
    unsigned base = blockIdx.x * size;
    for (unsigned s = threadIdx.x; s < size; s += blockDim.x) {
        bool valid = base + s < (unsigned)n;
        key[s] = valid ? keys[base + s] : INFINITY;
        index[s] = valid ? (int)(base + s) : n;
    }
    __syncthreads();
    for (unsigned k = 2; k <= size; k <<= 1) {
        for (unsigned j = k >> 1; j > 0; j >>= 1) {
            for (unsigned s = threadIdx.x; s < size; s += blockDim.x) {
                unsigned partner = s ^ j;
                if (partner > s) {
                    bool ascending = (s & k) == 0;
                    bool out_of_order = key[s] > key[partner] ||
                                        (key[s] == key[partner] && index[s] > index[partner]);
                    if (out_of_order == ascending) {
                        float tk = key[s];
                        key[s] = key[partner];
                        key[partner] = tk;
                        int ti = index[s];
                        index[s] = index[partner];
                        index[partner] = ti;
                    }
                }
            }
            __syncthreads();
        }
    }
    for (unsigned s = threadIdx.x; s < size; s += blockDim.x) {
        if (base + s < (unsigned)n) {
            sorted[base + s] = key[s];
            order[base + s] = index[s];
        }
    }
}
