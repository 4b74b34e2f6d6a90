"""Memory access: per access and per array, with patterns and guards."""

from __future__ import annotations

from porter.passes.memory import analyze_memory
from tests.ir.helpers import build_text


def memory_of(code: str):
    module = build_text(code)
    return analyze_memory(module.kernels[-1], module)


def accesses(info) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(a.kind, a.array, a.pattern, a.guards) for a in info.accesses]


def test_patterns():
    info = memory_of("""
__global__ void k(const float* in, float* out, const int* idx, int n, int ld) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    out[i] = in[i] + in[2 * i] + in[i * ld] + in[0] + in[idx[i]] + in[i * i];
}""")
    assert [(kind, array, pattern) for kind, array, pattern, _ in accesses(info)] == [
        ("load", "in", "contiguous"), ("load", "in", "strided(2)"), ("load", "in", "strided(ld)"),
        ("load", "in", "uniform"), ("load", "in", "gather"), ("load", "idx", "contiguous"),
        ("load", "in", "gather"), ("store", "out", "contiguous")]
    assert info.arrays["in"].mode == "read-only" and info.arrays["out"].mode == "write-only"


def test_guards_from_ifs_loops_selects_and_early_returns():
    info = memory_of("""
__global__ void k(const float* x, float* y, int n, int m) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float v = i + 1 < n ? x[i + 1] : 0.0f;
    for (int j = threadIdx.y; j < m; j += blockDim.y) {
        if (j > 0 && x[j * n + i] > 0) y[j * n + i] = v;
    }
}""")
    assert accesses(info) == [
        ("load", "x", "contiguous", ("i < n", "i + 1 < n")),
        ("load", "x", "contiguous", ("i < n", "j < m", "j > 0")),
        ("store", "y", "contiguous", ("i < n", "j < m", "j > 0", "x[j * n + i] > 0")),
    ]


def test_shared_2d_aliases_and_vectors():
    info = memory_of("""
__global__ void k(const float* a, float* b, int ld) {
    __shared__ float tile[32][33];
    const float* row = a + blockIdx.x * ld;
    tile[threadIdx.y][threadIdx.x] = row[threadIdx.x];
    float4 v = reinterpret_cast<const float4*>(a)[threadIdx.x];
    b[threadIdx.x] = tile[threadIdx.x][threadIdx.y] + v.x;
}""")
    rows = [(a.kind, a.array, a.space, a.pattern, a.vector, str(a.index)) for a in info.accesses]
    assert rows == [
        ("load", "a", "global", "contiguous", 1, "blockIdx.x*ld + threadIdx.x"),
        ("store", "tile", "shared", "contiguous", 1, "threadIdx.x + 33*threadIdx.y"),
        ("load", "a", "global", "contiguous", 4, "threadIdx.x"),
        ("load", "tile", "shared", "strided(33)", 1, "33*threadIdx.x + threadIdx.y"),
        ("store", "b", "global", "contiguous", 1, "threadIdx.x"),
    ]


def test_atomics_and_shared_scalars():
    info = memory_of("""
__device__ int total;
__global__ void k(const int* keys, int* bins) {
    __shared__ int count;
    if (threadIdx.x == 0) count = 0;
    __syncthreads();
    atomicAdd(&bins[keys[threadIdx.x]], 1);
    atomicAdd(&count, 1);
    atomicAdd(&total, count);
}""")
    assert [(k, a, p) for k, a, p, _ in accesses(info)] == [
        ("store", "count", "uniform"), ("atomic", "bins", "scatter"), ("load", "keys", "contiguous"),
        ("atomic", "count", "uniform"), ("atomic", "total", "uniform"), ("load", "count", "uniform")]
    assert info.arrays["bins"].mode == "atomic"
