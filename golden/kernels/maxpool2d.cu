// maxpool2d: 2x2 max pooling with stride 2 over each channel of a CHW tensor (odd sizes drop the
// last row/column), also writing the flat index of the max within the channel (first on ties).
__global__ void maxpool2d(const float* __restrict__ in, float* __restrict__ out, int* __restrict__ argmax,
                          int channels, int height, int width) {
    int out_h = height / 2, out_w = width / 2;
    int total = channels * out_h * out_w;
    int o = blockIdx.x * blockDim.x + threadIdx.x;
    if (o >= total) {
        return;
    }
    int ox = o % out_w;
    int oy = (o / out_w) % out_h;
    int c = o / (out_w * out_h);
    const float* plane = in + (size_t)c * height * width;
    float best = -INFINITY;
    int best_index = 0;
    for (int dy = 0; dy < 2; ++dy) {
        for (int dx = 0; dx < 2; ++dx) {
            int index = (2 * oy + dy) * width + (2 * ox + dx);
            float v = plane[index];
            if (v > best) {
                best = v;
                best_index = index;
            }
        }
    }
    out[o] = best;
    argmax[o] = best_index;
}
