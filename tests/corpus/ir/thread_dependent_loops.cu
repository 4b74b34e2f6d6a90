// thread_dependent_loops: loops whose trip count depends on the thread (negative cases for a
// uniform loop): a bound from threadIdx, a data-dependent while, a break under a varying if.
__global__ void triangle(float* out, int n) {
    int t = threadIdx.x;
    float acc = 0.0f;
    for (int j = 0; j < t; ++j) acc += j;
    out[blockIdx.x * blockDim.x + t] = acc;
}

__global__ void collatz_steps(const int* start, int* steps) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int x = start[i];
    int count = 0;
    while (x != 1) {
        x = (x % 2 == 0) ? x / 2 : 3 * x + 1;
        count++;
    }
    steps[i] = count;
}

__global__ void find_first(const int* data, int* where, int n, int key) {
    int found = -1;
    for (int k = 0; k < n; ++k) {
        if (data[k * blockDim.x + threadIdx.x] == key) {
            found = k;
            break;
        }
    }
    where[blockIdx.x * blockDim.x + threadIdx.x] = found;
}

__global__ void uniform_loop(const float* in, float* out, int n) {
    float acc = 0.0f;
    for (int k = 0; k < n; ++k) acc += in[k];
    out[threadIdx.x] = acc;
}
