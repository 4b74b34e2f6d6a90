// argmax_rows: one warp per row finds the largest value and its first index. Lanes scan strided
// columns, then combine (value, index) pairs with __shfl_xor_sync; ties go to the lower index,
// so the result does not depend on the reduction order.
__device__ void better(float& value, int& index, float other_value, int other_index) {
    if (other_value > value || (other_value == value && other_index < index)) {
        value = other_value;
        index = other_index;
    }
}

__global__ void argmax_rows(const float* __restrict__ x, int* __restrict__ argmax, float* __restrict__ maximum,
                            int rows, int cols) {
    int row = blockIdx.x * blockDim.y + threadIdx.y;
    int lane = threadIdx.x;
    if (row >= rows) {
        return;
    }
    float value = -INFINITY;
    int index = cols;
    for (int c = lane; c < cols; c += 32) {
        better(value, index, x[(size_t)row * cols + c], c);
    }
    for (int mask = 16; mask > 0; mask >>= 1) {
        float other_value = __shfl_xor_sync(0xffffffffu, value, mask);
        int other_index = __shfl_xor_sync(0xffffffffu, index, mask);
        better(value, index, other_value, other_index);
    }
    if (lane == 0) {
        argmax[row] = index;
        maximum[row] = value;
    }
}
