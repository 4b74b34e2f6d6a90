// 16_atomics.cu
// Exercises: atomicAdd on int, unsigned long long and float; atomicSub,
// atomicMin, atomicMax (int), atomicExch, atomicInc with wrap-around,
// atomicAnd/atomicOr; atomicCAS loops that build a double add (used only on
// pre-sm_60 through #if __CUDA_ARCH__ < 600, inactive for sm_90) and a float
// max; and the scoped/system variants atomicAdd_block / atomicAdd_system.
// Warp-size hazards: none.

#include <cfloat>
#include <cstdio>
#include <hip/hip_runtime.h>

__device__ double atomic_add_f64(double* addr, double val)
{
#if defined(__HIP_DEVICE_COMPILE__) && __CUDA_ARCH__ < 600
    unsigned long long* as_ull = reinterpret_cast<unsigned long long*>(addr);
    unsigned long long old = *as_ull, assumed;
    do {
        assumed = old;
        old = atomicCAS(as_ull, assumed,
                        __double_as_longlong(val + __longlong_as_double(assumed)));
    } while (assumed != old);
    return __longlong_as_double(old);
#else
    return atomicAdd(addr, val);
#endif
}

// There is no atomicMax for float, so build one from atomicCAS on the bits.
__device__ float atomic_max_f32(float* addr, float val)
{
    int* as_int = reinterpret_cast<int*>(addr);
    int old = *as_int;
    while (__int_as_float(old) < val) {
        int assumed = old;
        old = atomicCAS(as_int, assumed, __float_as_int(val));
        if (old == assumed) break;
    }
    return __int_as_float(old);
}

struct Stats {
    int count;
    unsigned long long total_bytes;
    float fsum;
    double dsum;
    float fmax;
    int imin, imax;
    int last_writer;
    unsigned ring_pos;
    unsigned flags_and, flags_or;
    int block_local;
};

__global__ void gather_stats(const float* values, int n, Stats* st, unsigned ring_size)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float v = values[i];
    int iv = static_cast<int>(v);

    atomicAdd(&st->count, 1);
    atomicAdd(&st->total_bytes, static_cast<unsigned long long>(sizeof(float)));
    atomicAdd(&st->fsum, v);
    atomic_add_f64(&st->dsum, static_cast<double>(v));
    atomic_max_f32(&st->fmax, v);
    atomicMin(&st->imin, iv);
    atomicMax(&st->imax, iv);
    atomicExch(&st->last_writer, i);
    unsigned slot = atomicInc(&st->ring_pos, ring_size - 1);  // wraps to 0 after ring_size-1
    (void)slot;
    atomicAnd(&st->flags_and, ~(1u << (i & 7)));
    atomicOr(&st->flags_or, 1u << (iv & 7));
    atomicSub(&st->count, 0);
    atomicAdd(&st->block_local, 1);
    atomicAdd_system(&st->count, 0);
}

int main()
{
    const int n = 100000;
    float* d_vals;
    Stats* d_st;
    hipMalloc(&d_vals, n * sizeof(float));
    hipMalloc(&d_st, sizeof(Stats));

    float* h_vals = new float[n];
    for (int i = 0; i < n; ++i) h_vals[i] = static_cast<float>((i * 37) % 1000) - 500.0f;
    hipMemcpy(d_vals, h_vals, n * sizeof(float), hipMemcpyHostToDevice);

    Stats init = {};
    init.fmax = -FLT_MAX;
    init.imin = 1 << 30;
    init.imax = -(1 << 30);
    init.flags_and = ~0u;
    hipMemcpy(d_st, &init, sizeof(Stats), hipMemcpyHostToDevice);

    gather_stats<<<(n + 255) / 256, 256>>>(d_vals, n, d_st, 64);
    hipError_t err = hipGetLastError();
    if (err != hipSuccess) printf("launch failed: %s\n", hipGetErrorString(err));

    Stats out;
    hipMemcpy(&out, d_st, sizeof(Stats), hipMemcpyDeviceToHost);
    printf("count %d, fsum %.1f, dsum %.1f, fmax %.1f, imin %d, imax %d, ring %u\n", out.count,
           out.fsum, out.dsum, out.fmax, out.imin, out.imax, out.ring_pos);

    delete[] h_vals;
    hipFree(d_vals);
    hipFree(d_st);
    return 0;
}
