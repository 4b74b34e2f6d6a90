#include <stdint.h>

// int_hash: integer arithmetic whose semantics ports must keep. hash: a 32-bit mixing function
// (wrap-around multiply, shifts, xor) on unsigned values; affine: C's truncating division and
// remainder on negative ints (not Python's floor division).
__global__ void int_hash(const uint32_t* __restrict__ keys, uint32_t* __restrict__ hash, uint32_t seed, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        uint32_t h = keys[i] ^ seed;
        h ^= h >> 16;
        h *= 0x85ebca6bu;
        h ^= h >> 13;
        h *= 0xc2b2ae35u;
        h ^= h >> 16;
        hash[i] = h;
    }
}

__global__ void int_affine(const int* __restrict__ x, int* __restrict__ quotient, int* __restrict__ remainder,
                           int divisor, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        int v = x[i] * 7 - 3;
        quotient[i] = v / divisor;
        remainder[i] = v % divisor;
    }
}
