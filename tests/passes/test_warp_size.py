"""Warp-size assumptions: what is flagged, and what is warp-size generic."""

from __future__ import annotations

from porter.passes.warp_size import find_warp_assumptions
from tests.ir.helpers import build_text


def findings_of(code: str) -> list[str]:
    module = build_text(code)
    info = find_warp_assumptions(module.kernels[-1], module)
    assert [d.id for d in info.diagnostics] == ["P0312"] * len(info.findings)
    return [f"{f.kind} {f.text}" for f in info.findings]


def test_assumptions():
    assert findings_of("""
__global__ void k(int* out) {
    __shared__ int per_warp[32];
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    unsigned b = __ballot_sync(0xffffffff, lane > 3);
    per_warp[warp] = __popc(b);
    for (int o = 16; o > 0; o >>= 1) lane += __shfl_xor_sync(0xffffffffu, lane, o);
    out[threadIdx.x] = lane;
}""") == [
        "lane-array __shared__ per_warp[32]",
        "lane-arithmetic threadIdx.x % 32",
        "lane-arithmetic threadIdx.x / 32",
        "ballot-32 u32 b = __ballot_sync(4294967295u, lane > 3)",
        "full-mask __ballot_sync(0xffffffff, ...)",
        "ballot-32 __popc(b)",
        "shuffle-offset for (o = 16; ...) shuffles",
        "full-mask __shfl_xor_sync(0xffffffff, ...)",
    ]


def test_generic_code_is_not_flagged():
    assert findings_of("""
__global__ void k(int* out, int n) {
    int lane = threadIdx.x % warpSize;
    unsigned long long active = __activemask();
    for (int o = warpSize / 2; o > 0; o >>= 1) lane += __shfl_xor_sync(active, lane, o);
    out[n % 32] = lane * 2;
}""") == []
