"""Uniformity: values, loops and branches, read the way the tile lowering reads them."""

from __future__ import annotations

from porter.ir import nodes as N
from porter.ir.printer import print_expr
from porter.ir.walk import walk
from porter.passes import get_pass
from porter.passes.uniformity import AFFINE, UNIFORM, VARYING, analyze
from tests.ir.helpers import build_text


def info_of(code: str):
    module = build_text(code)
    fn = module.kernels[-1]
    return analyze(fn, module), fn


def var_values(info) -> dict[str, str]:
    return {k.name: str(v) for k, v in info.vars.items()}


def test_affine_index_and_its_strides():
    info, fn = info_of("""
__global__ void k(float* a, int n, int ld) {
    int col = blockIdx.x * blockDim.x + threadIdx.x;
    int row = blockIdx.y * 4 + threadIdx.y;
    int lin = row * ld + col * 2;
    a[lin] = 0;
}""")
    lin = info.vars[next(k for k in info.vars if k.name == "lin")]
    assert lin.kind == AFFINE
    assert str(lin.base) == "2*blockDim.x*blockIdx.x + 4*blockIdx.y*ld"
    assert {d: str(s) for d, s in lin.strides.items()} == {"x": "2", "y": "ld"}
    store = next(n for n in walk(fn.body) if isinstance(n, N.Store))
    assert info.value(store.indices[0]) == lin  # per-node values, keyed by the node itself


def test_uniform_varying_and_loads():
    info, _ = info_of("""
__global__ void k(const float* a, const int* idx, int n) {
    int b = blockIdx.x * n;
    float first = a[b];
    float mine = a[threadIdx.x];
    int lane = threadIdx.x % 32;
    float g = a[idx[threadIdx.x]];
    float m = fmaxf(first, 1.0f);
}""")
    kinds = {k.name: v.kind for k, v in info.vars.items()}
    assert kinds == {"b": UNIFORM, "first": UNIFORM, "mine": VARYING, "lane": VARYING, "g": VARYING, "m": UNIFORM}
    assert var_values(info)["b"] == "uniform(blockIdx.x*n)"


def test_induction_variables():
    info, _ = info_of("""
__global__ void k(float* a, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) a[i] = 0;
    for (int s = 128; s > 0; s >>= 1) a[s] = 1;
    int count = 0;
    if (threadIdx.x < 3) count = 1;
}""")
    values = var_values(info)
    assert values["i"] == "affine(base=i@base, stride.x=1)"
    assert values["s"] == "uniform(s)"
    assert values["count"] == "varying"  # assigned under a thread-dependent branch


def test_loop_trip_counts_and_branches():
    info, fn = info_of("""
__global__ void k(float* a, int n) {
    for (int k = 0; k < n; ++k) a[k] += 1;
    for (int j = 0; j < threadIdx.x; ++j) a[j] += 1;
    for (int k = 0; k < n; ++k) { if (a[k * blockDim.x + threadIdx.x] > 0) break; }
    if (blockIdx.x == 0) a[0] = 0;
    if (threadIdx.x == 0) a[1] = 0;
}""")
    loops = [(info.loops[n].uniform_trip, info.loops[n].reason) for n in walk(fn.body) if isinstance(n, N.For)]
    assert loops == [(True, ""), (False, "condition j < threadIdx.x is not uniform"),
                     (False, "break under thread-dependent if@5")]
    branches = [(print_expr(n.cond), info.divergent[n]) for n in walk(fn.body) if isinstance(n, N.If)]
    assert branches == [("a[k * blockDim.x + threadIdx.x] > 0", True), ("blockIdx.x == 0", False),
                        ("threadIdx.x == 0", True)]


def test_calls_of_small_functions_are_inlined():
    module = build_text("""
__device__ int gid() { return blockIdx.x * blockDim.x + threadIdx.x; }
__device__ int lane() { int t = threadIdx.x; return t & 31; }
__global__ void k(float* a) { int i = gid(); int l = lane(); a[i] = l; }""")
    info = analyze(module.kernels[0], module)
    assert var_values(info) == {"i": "affine(base=blockDim.x*blockIdx.x, stride.x=1)", "l": "varying"}


def test_as_a_named_pass():
    module = build_text("__global__ void k(float* a) { a[threadIdx.x] = 0; }")
    result = get_pass("uniformity").apply(module)
    assert list(result) == ["k"]
