// matmul_tiled: C = A B with 16x16 shared-memory tiles of A and B; tiles past the edges are
// zero-filled so any M, N, K works.
#define TILE 16

__global__ void matmul_tiled(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ c,
                             int m, int n, int k) {
    __shared__ float a_tile[TILE][TILE];
    __shared__ float b_tile[TILE][TILE];
    int tx = threadIdx.x, ty = threadIdx.y;
    int row = blockIdx.y * TILE + ty;
    int col = blockIdx.x * TILE + tx;
    float sum = 0.0f;
    for (int t = 0; t < (k + TILE - 1) / TILE; ++t) {
        int a_col = t * TILE + tx;
        int b_row = t * TILE + ty;
        a_tile[ty][tx] = row < m && a_col < k ? a[row * k + a_col] : 0.0f;
        b_tile[ty][tx] = b_row < k && col < n ? b[b_row * n + col] : 0.0f;
        __syncthreads();
        for (int p = 0; p < TILE; ++p) {
            sum += a_tile[ty][p] * b_tile[p][tx];
        }
        __syncthreads();
    }
    if (row < m && col < n) {
        c[row * n + col] = sum;
    }
}
