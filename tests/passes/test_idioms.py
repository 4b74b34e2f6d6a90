"""Idioms, positive and negative, on small kernels."""

from __future__ import annotations

import pytest

from porter.passes.idioms import find_idioms
from tests.ir.helpers import build_text


def idioms_of(code: str, name: str | None = None) -> list[str]:
    module = build_text(code)
    fn = next(f for f in module.functions if name is None or f.name == name) if name else module.kernels[-1]
    return [i.render() for i in find_idioms(fn, module).idioms]


def test_tree_reduction_with_fmaxf():
    assert idioms_of("""
__global__ void k(float* a) {
    extern __shared__ float s[];
    for (unsigned d = blockDim.x / 2; d > 0; d /= 2) {
        if (threadIdx.x < d) s[threadIdx.x] = fmaxf(s[threadIdx.x], s[threadIdx.x + d]);
        __syncthreads();
    }
}""") == ["tree-reduction@4(array=s, op=max, direction=halving, addressing=sequential)"]


@pytest.mark.parametrize("body", [
    # a step that does not halve: a linear pass, not a tree
    "for (int d = 64; d > 0; d -= 1) { if (threadIdx.x < d) s[threadIdx.x] += s[threadIdx.x + d]; __syncthreads(); }",
    # no barrier between steps: not a (correct) block tree
    "for (int d = 64; d > 0; d >>= 1) { if (threadIdx.x < d) s[threadIdx.x] += s[threadIdx.x + d]; }",
    # the read is not a fixed distance from the write
    "for (int d = 64; d > 0; d >>= 1) { if (threadIdx.x < d) s[threadIdx.x] += s[2 * threadIdx.x]; __syncthreads(); }",
])
def test_not_a_tree(body):
    assert idioms_of("__global__ void k() { __shared__ float s[128]; " + body + " }") == []


def test_warp_reductions_loop_and_unrolled():
    code = """
__device__ float loop_sum(float v) { for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffff, v, o); return v; }
__device__ float unrolled(float v) {
    v += __shfl_down_sync(0xffffffff, v, 4);
    v += __shfl_down_sync(0xffffffff, v, 2);
    v += __shfl_down_sync(0xffffffff, v, 1);
    return v;
}
__device__ float not_halving(float v) {
    v += __shfl_down_sync(0xffffffff, v, 4);
    v += __shfl_down_sync(0xffffffff, v, 3);
    v += __shfl_down_sync(0xffffffff, v, 1);
    return v;
}"""
    assert idioms_of(code, "loop_sum") == [
        "warp-reduction@2(var=v, op=+, shuffle=__shfl_xor_sync, start=16)"]
    assert idioms_of(code, "unrolled") == ["warp-reduction@4(var=v, op=+, start=4, unrolled=yes)"]
    assert idioms_of(code, "not_halving") == []


def test_scans_and_broadcast():
    assert idioms_of("""
__global__ void k(int* a) {
    int v = a[threadIdx.x];
    for (int o = 1; o < 32; o *= 2) { int n = __shfl_up_sync(0xffffffff, v, o); if ((threadIdx.x & 31) >= o) v += n; }
    v = __shfl_sync(0xffffffff, v, 31);
    a[threadIdx.x] = v;
}""") == ["warp-scan@4(var=n, shuffle=__shfl_up_sync)", "warp-broadcast@5(value=v, lane=31)"]


def test_stride_loops():
    assert idioms_of("""
__global__ void k(float* a, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) a[i] = 0;
    for (int j = threadIdx.x; j < n; j += blockDim.x) a[j] = 1;
    for (int m = threadIdx.x; m < n; m += 1) a[m] = 2;
}""") == ["grid-stride-loop@3(var=i, bound=i < n)", "block-stride-loop@4(var=j, stride=blockDim.x)"]


def test_histogram_vs_accumulate():
    assert idioms_of("""
__global__ void k(const int* keys, int* bins, int* total) {
    atomicAdd(&bins[keys[threadIdx.x]], 1);
    atomicAdd(&bins[threadIdx.x], 1);
    atomicAdd(total, 1);
}""") == ["histogram@3(array=bins, space=global, op=atomicAdd)",
          "atomic-accumulate@5(array=total, space=global, op=atomicAdd)"]


@pytest.mark.parametrize("step, found", [
    ("d >>= 1", True), ("d /= 2", True), ("d = d / 2", True), ("d >>= 2", False), ("d /= 1", False),
])
def test_halving_steps(step, found):
    code = ("__global__ void k() { __shared__ float s[128]; for (int d = 64; d > 0; " + step + ") "
            "{ if (threadIdx.x < d) s[threadIdx.x] += s[threadIdx.x + d]; __syncthreads(); } }")
    assert bool(idioms_of(code)) == found
