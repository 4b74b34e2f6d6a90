// 42_inline_ptx_nonportable.cu
// Exercises: inline PTX with no drop-in HIP equivalent, which a porter should
// report rather than translate blindly:
//   ld.global.nc.v4.f32 (non-coherent vector load), cp.async.cg.shared.global
//   with cp.async.commit_group / cp.async.wait_group (async global->shared
//   copies), mma.sync.aligned.m16n8k16 (tensor-core MMA whose fragment layout
//   is defined over 32 lanes), red.global.add.f32 (reduction without return),
//   and prmt.b32 (byte permute; borderline: __byte_perm is the portable form).
// Requires sm_80 or newer. Warp-size hazards: the MMA fragment lane math.

#include <cstdio>
#include <hip/hip_runtime.h>
#include <hip/hip_fp16.h>

constexpr int MMA_M = 16, MMA_N = 8, MMA_K = 16;  // SAFE(warp-size): MMA tile shape, not lane counts

__device__ __forceinline__ float4 ld_nc_v4(const float4* p)
{
    float4 v;
    asm volatile("ld.global.nc.v4.f32 {%0, %1, %2, %3}, [%4];"
                 : "=f"(v.x), "=f"(v.y), "=f"(v.z), "=f"(v.w)
                 : "l"(p));
    return v;
}

__device__ __forceinline__ void red_add_f32(float* addr, float v)
{
    asm volatile("red.global.add.f32 [%0], %1;" ::"l"(addr), "f"(v) : "memory");
}

__device__ __forceinline__ unsigned byte_permute(unsigned a, unsigned b, unsigned sel)
{
    unsigned r;
    r = __byte_perm((a), (b), (sel));
    return r;
}

__device__ __forceinline__ void cp_async_16B(void* smem_dst, const void* gmem_src)
{
    unsigned dst = static_cast<unsigned>(__cvta_generic_to_shared(smem_dst));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(dst), "l"(gmem_src) : "memory");  // SAFE(warp-size): 16 is a byte count
}

// Sum of float4 rows staged through shared memory with cp.async.
__global__ void staged_row_sums(const float4* __restrict__ in, float* __restrict__ out, int n4)
{
    __shared__ __align__(16) float4 stage[256];
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n4) cp_async_16B(&stage[threadIdx.x], &in[i]);
    asm volatile("cp.async.commit_group;" ::: "memory");
    asm volatile("cp.async.wait_group 0;" ::: "memory");
    __syncthreads();
    if (i < n4) {
        float4 a = stage[threadIdx.x];
        float4 b = ld_nc_v4(&in[i]);
        red_add_f32(out, (a.x + a.y + a.z + a.w) - 0.5f * (b.x + b.y + b.z + b.w));
    }
}

__device__ __forceinline__ unsigned pack_half2(__half lo, __half hi)
{
    return static_cast<unsigned>(__half_as_ushort(lo)) |
           (static_cast<unsigned>(__half_as_ushort(hi)) << 16);  // SAFE(warp-size): packs two 16-bit halves
}

// One warp computes C (16x8, fp32, row-major) = A (16x16, row-major) * B (16x8, col-major).
__global__ void mma_m16n8k16(const __half* __restrict__ A, const __half* __restrict__ B, float* __restrict__ C)
{
    int lane = threadIdx.x & 31;  // SAFE64(warp-size): launched with 32-thread blocks (below): the lane in the block at any wavefront size
    int g = lane >> 2, t = lane & 3;
    unsigned a0 = pack_half2(A[g * MMA_K + 2 * t], A[g * MMA_K + 2 * t + 1]);
    unsigned a1 = pack_half2(A[(g + 8) * MMA_K + 2 * t], A[(g + 8) * MMA_K + 2 * t + 1]);
    unsigned a2 = pack_half2(A[g * MMA_K + 2 * t + 8], A[g * MMA_K + 2 * t + 9]);
    unsigned a3 = pack_half2(A[(g + 8) * MMA_K + 2 * t + 8], A[(g + 8) * MMA_K + 2 * t + 9]);
    unsigned b0 = pack_half2(B[g * MMA_K + 2 * t], B[g * MMA_K + 2 * t + 1]);
    unsigned b1 = pack_half2(B[g * MMA_K + 2 * t + 8], B[g * MMA_K + 2 * t + 9]);
    float d0 = 0.f, d1 = 0.f, d2 = 0.f, d3 = 0.f;
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 "
        "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%10, %11, %12, %13};"
        : "=f"(d0), "=f"(d1), "=f"(d2), "=f"(d3)
        : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1),
          "f"(d0), "f"(d1), "f"(d2), "f"(d3));
    C[g * MMA_N + 2 * t] = d0;
    C[g * MMA_N + 2 * t + 1] = d1;
    C[(g + 8) * MMA_N + 2 * t] = d2;
    C[(g + 8) * MMA_N + 2 * t + 1] = d3;
}

__global__ void swap_bytes(unsigned* words, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) words[i] = byte_permute(words[i], 0u, 0x0123u);  // reverse the four bytes
}

int main()
{
    const int n4 = 1 << 16;
    float4* d_in;
    float* d_out;
    __half *dA, *dB;
    float* dC;
    hipMalloc(&d_in, n4 * sizeof(float4));
    hipMalloc(&d_out, sizeof(float));
    hipMalloc(&dA, MMA_M * MMA_K * sizeof(__half));
    hipMalloc(&dB, MMA_K * MMA_N * sizeof(__half));
    hipMalloc(&dC, MMA_M * MMA_N * sizeof(float));
    hipMemset(d_in, 0, n4 * sizeof(float4));
    hipMemset(d_out, 0, sizeof(float));
    hipMemset(dA, 0, MMA_M * MMA_K * sizeof(__half));
    hipMemset(dB, 0, MMA_K * MMA_N * sizeof(__half));

    staged_row_sums<<<n4 / 256, 256>>>(d_in, d_out, n4);
    mma_m16n8k16<<<1, 32>>>(dA, dB, dC);  // HAZARD(warp-size): one 32-thread warp per MMA tile
    swap_bytes<<<n4 / 256, 256>>>(reinterpret_cast<unsigned*>(d_in), n4);
    hipError_t err = hipDeviceSynchronize();
    printf("non-portable PTX kernels: %s\n", hipGetErrorString(err));

    hipFree(d_in); hipFree(d_out);
    hipFree(dA); hipFree(dB); hipFree(dC);
    return err == hipSuccess ? 0 : 1;
}
