// conv2d_3x3: direct 2-D convolution (cross-correlation, as deep-learning frameworks define it)
// of a CHW image with a [C_out][C_in][3][3] filter, zero padding 1, stride 1, plus bias.
// One thread per output pixel; blockIdx.z picks the output channel.
__global__ void conv2d_3x3(const float* __restrict__ image, const float* __restrict__ filter,
                           const float* __restrict__ bias, float* __restrict__ out, int c_in, int height, int width) {
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    int co = blockIdx.z;
    if (x >= width || y >= height) {
        return;
    }
    float sum = bias[co];
    for (int ci = 0; ci < c_in; ++ci) {
        const float* plane = image + (size_t)ci * height * width;
        const float* taps = filter + ((size_t)co * c_in + ci) * 9;
        for (int dy = -1; dy <= 1; ++dy) {
            int yy = y + dy;
            if (yy < 0 || yy >= height) {
                continue;
            }
            for (int dx = -1; dx <= 1; ++dx) {
                int xx = x + dx;
                if (xx >= 0 && xx < width) {
                    sum += taps[(dy + 1) * 3 + (dx + 1)] * plane[yy * width + xx];
                }
            }
        }
    }
    out[((size_t)co * height + y) * width + x] = sum;
}
