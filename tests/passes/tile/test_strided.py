"""Strided lane loops become uniform counted loops (porter.passes.tile.strided)."""

from pathlib import Path

import pytest
from porter.frontends.ir_frontend import build_ir

from porter.passes.tile import lower_module, render
from porter.passes.tile.strided import strided_loops
from porter.source import load_source

EXPECTED = Path(__file__).parent / "expected"

# the row loop of a softmax-like kernel (int c += unsigned blockDim.x), and one under a branch
ROWS = """
__global__ void strided_rows(const float* x, float* out, int n, int limit) {
    float acc = 0.0f;
    for (int c = threadIdx.x; c < n; c += blockDim.x) {
        acc += x[blockIdx.x * n + c];
    }
    if (threadIdx.x < limit) {
        for (unsigned u = threadIdx.x * 2; u <= 40u; u += 64u) {
            acc += x[u];
        }
    }
    out[blockIdx.x * blockDim.x + threadIdx.x] = acc;
}
"""

# loops that must stay masked loops: the variable read after the loop, a per-lane bound, a 64-bit
# variable, a condition with the variable on the right, a bound the body changes
LEFT_ALONE = """
__global__ void left_alone(const float* x, const int* lim, float* out, int n, long wide) {
    int t = threadIdx.x;
    float acc = 0.0f;
    int c;
    for (c = t; c < n; c += 32) { acc += x[c]; }
    for (int d = t; d < lim[t]; d += 32) { acc += x[d]; }
    for (long e = t; e < wide; e += 32) { acc += x[e]; }
    for (int f = t; n > f; f += 32) { acc += x[f]; }
    int m = n;
    for (int g = t; g < m; g += 32) { acc += x[g]; m -= 1; }
    out[t] = acc + c;
}
"""


def program_of(text: str, name: str):
    source = load_source(text, name=f"{name}.cu")
    (program,), problems = lower_module(build_ir(source), source.text)
    assert problems == []
    return program


def test_strided_loops_block_program_text():
    program = strided_loops(program_of(ROWS, "strided_rows"), spare=3)
    assert render(program) == (EXPECTED / "strided_rows.expected").read_text()


def test_every_rewritten_loop_recomputes_its_variable_and_mask_from_the_iteration():
    text = render(strided_loops(program_of(ROWS, "strided_rows"), spare=1))
    assert "masked loop" not in text
    assert text.count("[trips ") == 2 and text.count("spare 1]") == 2
    # the branch's lanes stay in the mask of the loop under it
    assert "lm5 = (m4 && (u_wide <= (40 - (lm5_k * 64))))" in text, text


@pytest.mark.parametrize("spare", [0, 3])
def test_loops_the_pass_cannot_prove_equivalent_are_left_alone(spare):
    program = program_of(LEFT_ALONE, "left_alone")
    assert render(strided_loops(program, spare)) == render(program)
    assert render(program).count("masked loop") == 5


# the 32-bit form and the closed-form trip count need what the ranges show: a start at the
# thread coordinates (rises with them, cannot wrap) and a step of known range
DECISIONS = """
__global__ void decisions(const float* x, float* out, int n, int off) {
    float acc = 0.0f;
    for (int a = threadIdx.x; a < n; a += 256) { acc += x[a]; }
    for (int b = threadIdx.x + off; b < n; b += 256) { acc += x[b]; }
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) { acc += x[i]; }
    out[threadIdx.x] = acc;
}
"""


def test_32_bit_counters_and_closed_form_counts_only_where_the_ranges_prove_them():
    text = render(strided_loops(program_of(DECISIONS, "decisions"), spare=3))
    lines = {name: next(line for line in text.splitlines() if f"let {name}_trips" in line)
             for name in ("lm1", "lm3", "lm5")}
    # a = threadIdx.x: 32 bits, the count of lane 0 (no reduction)
    assert "u32 uni" in lines["lm1"] and "reduce" not in lines["lm1"], lines["lm1"]
    assert "(a_start < (n - (cast<i32>(lm1_k) * 256)))" in text, text
    # b = threadIdx.x + off (any start) and the grid-stride loop (a step beyond 32 bits): 64 bits,
    # the largest count by reduction
    for name in ("lm3", "lm5"):
        assert "i64 uni = reduce.max(" in lines[name], lines[name]
    assert "b_wide" in text and "i_wide" in text


# a uniform load in the body is masked by the loop's lanes too (as every load in a masked loop):
# an extra iteration with no lane active reads nothing, so the count may come from thread 0
UNIFORM_LOAD = """
__global__ void uniform_load(const float* x, const float* scale, float* out, int n) {
    float acc = 0.0f;
    for (int c = threadIdx.x; c < n; c += 256) { acc += x[c] * scale[0]; }
    out[threadIdx.x] = acc;
}
"""


def test_every_load_in_the_body_is_masked_so_the_count_comes_from_thread_0():
    text = render(strided_loops(program_of(UNIFORM_LOAD, "uniform_load"), spare=3))
    trips = next(line for line in text.splitlines() if "let lm1_trips" in line)
    assert "load.global(scale[0], cm2)" in text and "reduce" not in trips, text
