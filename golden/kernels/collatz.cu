// collatz: the number of Collatz steps (n -> n/2 or 3n+1) until each start value reaches 1,
// capped at max_steps. Every thread's loop runs a different number of times.
__global__ void collatz(const int* __restrict__ start, int* __restrict__ steps, int n, int max_steps) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) {
        return;
    }
    long long value = start[i];
    int count = 0;
    while (value > 1 && count < max_steps) {
        value = (value & 1) ? 3 * value + 1 : value / 2;
        ++count;
    }
    steps[i] = count;
}
