// embedding_gather: out[t][:] = table[ids[t]][:] * scale + positions[t % max_positions][:],
// a token-embedding lookup (gather by index) plus a learned position embedding.
__global__ void embedding_gather(const int* __restrict__ ids, const float* __restrict__ table,
                                 const float* __restrict__ positions, float* __restrict__ out, int tokens, int dim,
                                 int max_positions, float scale) {
    int d = blockIdx.x * blockDim.x + threadIdx.x;
    int t = blockIdx.y;
    if (d >= dim || t >= tokens) {
        return;
    }
    int id = ids[t];
    out[(size_t)t * dim + d] = table[(size_t)id * dim + d] * scale + positions[(size_t)(t % max_positions) * dim + d];
}
