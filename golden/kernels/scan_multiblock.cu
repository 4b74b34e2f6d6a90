// scan_multiblock: inclusive prefix sum of a float array longer than a block, in three kernels:
//  1. scan_blocks: each block scans 2*BLOCK elements (Blelloch up-sweep / down-sweep in shared
//     memory), writes the inclusive scan and the block's total;
//  2. scan_sums: one block scans the block totals into exclusive offsets;
//  3. add_offsets: each block adds its offset.
#define BLOCK 256
#define TILE (2 * BLOCK)

__global__ void scan_blocks(const float* __restrict__ in, float* __restrict__ out, float* __restrict__ block_sums,
                            int n) {
    __shared__ float tile[TILE];
    int tid = threadIdx.x;
    int base = blockIdx.x * TILE;
    int a = tid, b = tid + BLOCK;
    float in_a = base + a < n ? in[base + a] : 0.0f;
    float in_b = base + b < n ? in[base + b] : 0.0f;
    tile[a] = in_a;
    tile[b] = in_b;
    int offset = 1;
    for (int d = TILE / 2; d > 0; d >>= 1) {  // up-sweep: partial sums in place
        __syncthreads();
        if (tid < d) {
            int left = offset * (2 * tid + 1) - 1;
            int right = offset * (2 * tid + 2) - 1;
            tile[right] += tile[left];
        }
        offset <<= 1;
    }
    if (tid == 0) {
        block_sums[blockIdx.x] = tile[TILE - 1];
        tile[TILE - 1] = 0.0f;
    }
    for (int d = 1; d < TILE; d <<= 1) {  // down-sweep: exclusive scan
        offset >>= 1;
        __syncthreads();
        if (tid < d) {
            int left = offset * (2 * tid + 1) - 1;
            int right = offset * (2 * tid + 2) - 1;
            float t = tile[left];
            tile[left] = tile[right];
            tile[right] += t;
        }
    }
    __syncthreads();
    if (base + a < n) {
        out[base + a] = tile[a] + in_a;
    }
    if (base + b < n) {
        out[base + b] = tile[b] + in_b;
    }
}

// One block; count <= blockDim.x. Hillis-Steele inclusive scan, shifted to exclusive.
__global__ void scan_sums(const float* __restrict__ block_sums, float* __restrict__ offsets, int count) {
    extern __shared__ float sums[];
    int tid = threadIdx.x;
    sums[tid] = tid < count ? block_sums[tid] : 0.0f;
    __syncthreads();
    for (unsigned step = 1; step < blockDim.x; step <<= 1) {
        float add = tid >= step ? sums[tid - step] : 0.0f;
        __syncthreads();
        sums[tid] += add;
        __syncthreads();
    }
    if (tid < count) {
        offsets[tid] = tid == 0 ? 0.0f : sums[tid - 1];
    }
}

__global__ void add_offsets(float* __restrict__ out, const float* __restrict__ offsets, int n) {
    int i = blockIdx.x * TILE + threadIdx.x;
    float offset = offsets[blockIdx.x];
    if (i < n) {
        out[i] += offset;
    }
    if (i + BLOCK < n) {
        out[i + BLOCK] += offset;
    }
}
