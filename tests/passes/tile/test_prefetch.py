"""Which loads of a counted loop's body may be issued ahead (porter.passes.tile.prefetch)."""

from porter.frontends.ir_frontend import build_ir

from porter.passes.tile import lower_module
from porter.passes.tile.alias import aliasing
from porter.passes.tile.prefetch import plan
from porter.passes.tile.program import fmt
from porter.source import load_source

CSR_ROWS = """
__global__ void csr_rows(const int* row_ptr, const int* cols, const float* vals, const float* x,
                         float* y, int rows) {
    int row = blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= rows) return;
    float sum = 0.0f;
    for (int j = row_ptr[row]; j < row_ptr[row + 1]; j++) {
        sum += vals[j] * x[cols[j]];
    }
    y[row] = sum;
}
"""

WRITES = """
__global__ void writes(const float* x, float* y, int n) {
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        y[i] = x[i] * 2.0f;
    }
}
"""

BRANCHED = """
__global__ void branched(const float* x, float* y, int n, int k) {
    float s = 0.0f;
    for (int i = threadIdx.x; i < n; i += 32) {
        if (k > 0) { s += x[i + k]; }
        s += x[i];
    }
    y[threadIdx.x] = s;
}
"""

CHASE = """
__global__ void chase(const int* next, const float* w, float* y, int n, int k) {
    int p = threadIdx.x;
    float s = 0.0f;
    for (int i = threadIdx.x; i < n; i += 32) {
        s += w[p];
        BRANCH
        p = next[p];
    }
    y[threadIdx.x] = s;
}
"""


# stores through __restrict__ pointers: loads based on other parameters may move above them
RESTRICT = """
__global__ void restricted(const float* __restrict__ x, const float* __restrict__ w, float* __restrict__ y,
                           float* __restrict__ z, int n) {
    const float* row = x + blockIdx.x * n;
    for (int c = threadIdx.x; c < n; c += 32) {
        y[blockIdx.x * n + c] = row[c] * w[c] + y[blockIdx.x * n + c];
        z[c] = w[c];
    }
}
"""


def program_of(text: str, name: str):
    source = load_source(text, name=f"{name}.cu")
    (program,), problems = lower_module(build_ir(source), source.text)
    assert not problems
    return program


def loop_body(text: str, name: str):
    program = program_of(text, name)
    loops = [s for s in _walk(program.body) if s.kind == "mloop" and s.args[1] is not None]
    assert len(loops) == 1, [s.kind for s in _walk(program.body)]
    return loops[0].body


def _walk(body):
    for s in body:
        yield s
        yield from _walk(s.body)


def hoisted(result) -> list[str]:
    return [fmt(load) for _, loads, _ in result.steps for load in loads]


def test_a_gather_and_a_bound_reread_from_memory_are_hoisted_inner_loads_first():
    result = plan(loop_body(CSR_ROWS, "csr_rows"))
    assert hoisted(result) == ["load.global(vals[j], cm4)", "load.global(cols[j], cm4)",
                               "load.global(x[load.global(cols[j], cm4)], cm4)",
                               "load.global(row_ptr[(row + 1)], lm3)"]
    # what each copy's addresses need: the induction variable, the loop mask and the body mask
    assert {s.args[0] for s, _, pure in result.steps if pure} == {"cm4", "j", "lm3"}


def test_a_body_that_writes_memory_hoists_nothing():
    assert plan(loop_body(WRITES, "writes")) is None
    # nor with the pointer bases: y is not __restrict__, so any load may read what it writes
    assert plan(loop_body(WRITES, "writes"), aliasing(program_of(WRITES, "writes"))) is None


def test_loads_move_above_stores_through_restrict_pointers_of_other_parameters():
    body = loop_body(RESTRICT, "restricted")
    assert plan(body) is None  # without the pointer bases, nothing
    result = plan(body, aliasing(program_of(RESTRICT, "restricted")))
    # row (based on x) and w move; y is read where it is written and stays; loads inside the
    # stores' values count like any other
    assert hoisted(result) == ["load.global(row[c], cm2)", "load.global(w[c], cm2)", "load.global(w[c], cm2)"]


def test_a_store_through_a_pointer_of_unknown_base_hoists_nothing():
    text = RESTRICT.replace("z[c] = w[c];", "float* __restrict__ p = c > 3 ? y : z; p[c] = 1.0f;")
    assert plan(loop_body(text, "restricted"), aliasing(program_of(text, "restricted"))) is None


def test_a_load_under_a_uniform_branch_stays_where_it_is():
    result = plan(loop_body(BRANCHED, "branched"))
    assert hoisted(result) == ["load.global(x[i], cm2)"]


def test_a_pointer_chase_is_a_pure_chain_until_a_branch_changes_the_pointer():
    result = plan(loop_body(CHASE.replace("BRANCH", ""), "chase"))
    assert hoisted(result) == ["load.global(w[p], cm2)", "load.global(next[p], cm2)"]
    # p is assigned under a uniform branch: nothing derived from it can move
    assert plan(loop_body(CHASE.replace("BRANCH", "if (k > 0) { p = p + 1; }"), "chase")) is None
