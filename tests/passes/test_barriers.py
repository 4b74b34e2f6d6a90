"""Barrier regions, shared producers/consumers, and the two findings (P0310, P0311)."""

from __future__ import annotations

from porter.passes.barriers import analyze_barriers
from tests.ir.helpers import build_text


def barriers_of(code: str):
    module = build_text(code)
    return analyze_barriers(module.kernels[-1], module)


def findings(info) -> list[tuple[str, int]]:
    return [(d.id, d.span.line) for d in info.diagnostics]


def test_regions_and_flows():
    info = barriers_of("""
__global__ void k(float* out) {
    __shared__ float s[64];
    __shared__ float total;
    s[threadIdx.x] = threadIdx.x;
    __syncthreads();
    if (threadIdx.x == 0) total = s[0] + s[63];
    __syncthreads();
    out[threadIdx.x] = total;
}""")
    assert [(r.id, r.scope) for r in info.regions] == [(0, "entry"), (1, "block"), (2, "block")]
    assert {a: (f.producers, f.consumers, f.edges) for a, f in info.flows.items()} == {
        "s": ([0], [1], [(0, 1)]), "total": ([1], [2], [(1, 2)])}
    assert findings(info) == []


def test_loop_back_edge_joins_regions():
    info = barriers_of("""
__global__ void k(float* out) {
    __shared__ float s[128];
    s[threadIdx.x] = out[threadIdx.x];
    __syncthreads();
    for (int step = 64; step > 0; step >>= 1) {
        if (threadIdx.x < step) s[threadIdx.x] += s[threadIdx.x + step];
        __syncthreads();
    }
    out[blockIdx.x] = s[0];
}""")
    loop_top = info.regions[2]
    assert loop_top.scope == "flow" and info.concurrent(2, 3) and not info.concurrent(2, 4)
    assert findings(info) == []  # the tree step is race free, the read after the loop is synced


def test_race_without_barrier():
    info = barriers_of("""
__global__ void k(float* out) {
    __shared__ float s[128];
    s[threadIdx.x] = out[threadIdx.x];
    out[threadIdx.x] = s[(threadIdx.x + 1) % 128] + s[threadIdx.x + 1];
}""")
    assert findings(info) == [("P0311", 5)]


def test_divergent_barriers():
    info = barriers_of("""
__global__ void k(float* a, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (blockIdx.x > 2) __syncthreads();
    for (int j = 0; j < threadIdx.x; ++j) __syncthreads();
    if (i >= n) return;
    __syncthreads();
}""")
    assert findings(info) == [("P0310", 5), ("P0310", 7)]
    assert "thread-dependent loop" in info.diagnostics[0].message
    assert "after a thread-dependent return" in info.diagnostics[1].message


def test_warp_barriers_separate_warp_synchronous_steps():
    """The first step is race free (reads [32, 64), writes [0, 32)); the second reads
    s[t + 16] while thread t + 16 writes it in the same step: a race without lockstep warps."""
    info = barriers_of("""
__global__ void k(float* out) {
    __shared__ float s[64];
    s[threadIdx.x] = out[threadIdx.x];
    __syncthreads();
    if (threadIdx.x < 32) {
        s[threadIdx.x] += s[threadIdx.x + 32]; __syncwarp();
        s[threadIdx.x] += s[threadIdx.x + 16]; __syncwarp();
    }
}""")
    assert [r.scope for r in info.regions] == ["entry", "block", "warp", "warp"]
    assert findings(info) == [("P0311", 8)]
