"""Runs of consecutive-element accesses become wide ones (porter.passes.tile.widen)."""

from pathlib import Path

import pytest
from porter.frontends.ir_frontend import build_ir

from porter.passes.tile import lower_module, render
from porter.passes.tile.widen import widen
from porter.source import load_source

EXPECTED = Path(__file__).parent / "expected"

FLOAT4 = """
__global__ void axpby4(int n, float a, const float* x, float b, float* y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n / 4) {
        float4 xv = reinterpret_cast<const float4*>(x)[i];
        float4 yv = reinterpret_cast<float4*>(y)[i];
        yv.x = a * xv.x + b * yv.x;
        yv.y = a * xv.y + b * yv.y;
        yv.z = a * xv.z + b * yv.z;
        yv.w = a * xv.w + b * yv.w;
        reinterpret_cast<float4*>(y)[i] = yv;
    }
}
"""

# hand-unrolled pairs: x[2i], x[2i+1] read and written as float2 would be
PAIRS = """
__global__ void pairs(const float* x, float* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float lo = x[2 * i];
        float hi = x[2 * i + 1];
        y[2 * i] = hi;
        y[2 * i + 1] = lo;
    }
}
"""

# runs that must stay apart: a gap in the indices, two masks, a store whose value reads what an
# earlier store of the run wrote, a shared array, an index that reads a name the run defines
APART = """
__global__ void apart(const float* x, float* y, const int* k, int n) {
    __shared__ float tile[64];
    int i = threadIdx.x;
    float a = x[4 * i];
    float b = x[4 * i + 2];
    float c = x[4 * i + 1];
    float d = x[4 * i + 3];
    if (i < n) { y[2 * i] = a; }
    y[2 * i + 1] = b;
    y[4 * i] = c;
    y[4 * i + 1] = y[4 * i] + d;
    tile[2 * i] = a;
    tile[2 * i + 1] = b;
    __syncthreads();
    int p = k[i];
    float q = x[p];
    float r = x[p + 1];
    y[i] = q + r + tile[i];
}
"""


def widened(text: str, name: str):
    source = load_source(text, name=f"{name}.cu")
    (program,), problems = lower_module(build_ir(source), source.text)
    assert problems == []
    return program, widen(program)


@pytest.mark.parametrize("name, text", [("float4", FLOAT4), ("pairs", PAIRS)])
def test_widened_block_program_text(name, text):
    _, program = widened(text, name)
    assert render(program) == (EXPECTED / f"widen_{name}.expected").read_text()


def test_float4_becomes_one_wide_load_per_vector_and_one_wide_store():
    _, program = widened(FLOAT4, "float4")
    text = render(program)
    assert text.count(", x4)") == 2 and text.count(", x4] = ") == 1
    assert "load.global(x[(cast<i64>(i) * 4)], m2, x4)" in text


def test_runs_that_are_not_consecutive_accesses_stay_apart():
    before, after = widened(APART, "apart")
    text = render(after)
    # the only wide access: the pair of loads at p, p+1 (p read from memory, not from the run)
    assert text.count(" x2") == 1 and "load.global(x[p], act, x2)" in text, text
    assert "x4" not in text
    assert render(before).count("store.") == render(after).count("store.")


def test_the_pass_leaves_a_program_without_runs_unchanged():
    source = load_source("__global__ void k(float* y) { y[threadIdx.x] = 1.0f; }", name="k.cu")
    (program,), _ = lower_module(build_ir(source), source.text)
    assert render(widen(program)) == render(program)
