// jacobi_2d: one 5-point Jacobi sweep, out = average of the 4 neighbours inside, the boundary
// copied. Launched twice (a -> b -> a) as an iterative solver would.
__global__ void jacobi_step(const float* __restrict__ in, float* __restrict__ out, int rows, int cols) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    int r = blockIdx.y * blockDim.y + threadIdx.y;
    if (r >= rows || c >= cols) {
        return;
    }
    int i = r * cols + c;
    if (r == 0 || c == 0 || r == rows - 1 || c == cols - 1) {
        out[i] = in[i];
        return;
    }
    out[i] = 0.25f * (in[i - cols] + in[i + cols] + in[i - 1] + in[i + 1]);
}
