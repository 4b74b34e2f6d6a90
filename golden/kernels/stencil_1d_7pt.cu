// stencil_1d_7pt: y[i] = sum_k w[k] x[i + k - RADIUS] for a radius-3 stencil; each block stages
// its tile plus a RADIUS-wide halo on each side in shared memory; outside the array x is 0.
#define RADIUS 3
#define BLOCK 256

__global__ void stencil_7pt(const float* __restrict__ x, const float* __restrict__ w, float* __restrict__ y, int n) {
    __shared__ float tile[BLOCK + 2 * RADIUS];
    int i = blockIdx.x * BLOCK + threadIdx.x;
    int local = threadIdx.x + RADIUS;
    tile[local] = i < n ? x[i] : 0.0f;
    if (threadIdx.x < RADIUS) {
        int left = i - RADIUS;
        int right = i + BLOCK;
        tile[threadIdx.x] = left >= 0 && left < n ? x[left] : 0.0f;
        tile[local + BLOCK] = right < n ? x[right] : 0.0f;
    }
    __syncthreads();
    if (i < n) {
        float sum = 0.0f;
        for (int k = -RADIUS; k <= RADIUS; ++k) {
            sum += w[k + RADIUS] * tile[local + k];
        }
        y[i] = sum;
    }
}
