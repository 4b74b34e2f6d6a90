"""Which counted loops may run their iterations side by side (porter.passes.tile.fuse)."""

from porter.frontends.ir_frontend import build_ir

from porter.passes.tile import fuse, lower_module
from porter.passes.tile.alias import aliasing
from porter.passes.tile.program import S, V, fmt, walk_statements
from porter.passes.tile.strided import strided_loops
from porter.source import load_source

# strided row loops: a max, a floating-point sum, an integer sum, and a store loop
ROWS = """
__global__ void rows(const float* __restrict__ x, const int* __restrict__ k, float* __restrict__ out, int n) {
    const float* row = x + (size_t)blockIdx.x * n;
    float m = -INFINITY;
    for (int c = threadIdx.x; c < n; c += 256) { m = fmaxf(m, row[c]); }
    float s = 0.0f;
    for (int c = threadIdx.x; c < n; c += 256) { s += row[c] * row[c]; }
    int count = 0;
    for (int c = threadIdx.x; c < n; c += 256) { count += k[c]; }
    for (int c = threadIdx.x; c < n; c += 256) { out[(size_t)blockIdx.x * n + c] = row[c] * m + s + count; }
}
"""

# loops whose iterations depend on each other, or whose effects would not commute
DEPENDENT = """
__global__ void dependent(float* x, float* __restrict__ y, float* z, int n) {
    float m = -INFINITY, s = 0.0f;
    for (int c = threadIdx.x; c < n; c += 64) { float old = m; m = fmaxf(m, x[c]); s = s * expf(old - m) + 1.0f; }
    for (int c = threadIdx.x; c < n; c += 64) { x[c] = 2.0f * x[c]; }
    for (int c = threadIdx.x; c < n; c += 64) { z[c] = y[c]; }
    for (int c = threadIdx.x; c < n; c += 64) { y[0] = x[c]; }
    float last = 0.0f;
    for (int c = threadIdx.x; c < n; c += 64) { last = x[c]; }
    y[threadIdx.x] = m + s + last;
}
"""

# a constant loop over a shared tile, and one whose sum the loop reads again
CONSTANT = """
__global__ void constant(const float* __restrict__ x, float* __restrict__ y) {
    __shared__ float tile[32][33];
    for (int j = 0; j < 32; j += 8) { tile[threadIdx.y + j][threadIdx.x] = x[(threadIdx.y + j) * 32 + threadIdx.x]; }
    __syncthreads();
    float acc = 0.0f;
    for (int j = 0; j < 32; j += 8) { acc += tile[threadIdx.x][threadIdx.y + j]; y[j] = acc; }
    float t = 0.0f;
    for (int j = 0; j < 16; j += 1) { t += x[j * 32 + threadIdx.x]; }
    y[threadIdx.x] = t + acc;
}
"""


def loops_of(text: str, name: str):
    source = load_source(text, name=f"{name}.cu")
    (program,), problems = lower_module(build_ir(source), source.text, raise_reductions=True)
    assert problems == []
    program = strided_loops(program, spare=3)
    memory = aliasing(program)
    loops = [s for s in walk_statements(program.body) if s.kind == "loop" and len(s.args) > 1 and s.args[1] is not None]
    return program, memory, loops


def plans(text: str, name: str, unroll: int = 4):
    program, memory, loops = loops_of(text, name)
    return [fuse.plan(loop, fuse.copies_for(loop, unroll), program, memory) for loop in loops]


def accumulated(plan) -> list[tuple[str, str, bool]]:
    return sorted((a.name, a.op, a.in_order) for a in plan.accumulators.values())


def test_row_loops_fuse_with_their_accumulators():
    found = plans(ROWS, "rows")
    assert len(found) == 4 and all(found)
    assert accumulated(found[0]) == [("m", "max", False)]
    assert accumulated(found[1]) == [("s", "add", True)]  # a floating-point sum: order matters
    assert accumulated(found[2]) == [("count", "add", False)]  # integers: any order
    assert accumulated(found[3]) == []
    assert all(p.copies == 4 for p in found)
    # the variable, the loop mask and the body's mask: set afresh in every iteration
    assert sorted(found[0].locals) == ["c", "cm2", "lm1"]


def test_loops_whose_iterations_depend_on_each_other_stay_apart():
    found = plans(DEPENDENT, "dependent")
    assert len(found) == 5
    # m and s carried together; in place through a non-restrict pointer; a store through a pointer
    # that is not restrict; one element written by every iteration; a value read after the loop
    assert found == [None, None, None, None, None]
    # the second and third fuse once their stores go through restrict pointers no load reads
    independent = DEPENDENT.replace("float* x", "const float* __restrict__ x").replace(
        "float* z", "float* __restrict__ z").replace("x[c] = 2.0f * x[c];", "z[c] = 2.0f * x[c];")
    assert [p is not None for p in plans(independent, "dependent")] == [False, True, True, False, False]


def test_constant_loops_fuse_unless_the_accumulator_is_read():
    found = plans(CONSTANT, "constant")
    assert len(found) == 3
    assert found[0] is not None and list(found[0].guards.values()) == [()]  # the shared tile: a constant stride
    assert found[1] is None  # acc is stored every iteration: not only an accumulator
    assert found[2] is not None and found[2].copies == 4 and accumulated(found[2]) == [("t", "add", True)]


def test_copies_are_a_power_of_two_the_spare_iterations_or_the_count_allow():
    const = lambda n: V("const", "i32", False, (n,))  # noqa: E731
    loop = lambda trips, spare=0: S("loop", (None, trips, spare))  # noqa: E731
    assert fuse.copies_for(loop(const(16)), 4) == 4
    assert fuse.copies_for(loop(const(6)), 4) == 2
    assert fuse.copies_for(loop(const(5)), 4) == 1
    assert fuse.copies_for(loop(V("var", "i64", False, ("t",)), 3), 4) == 4
    assert fuse.copies_for(loop(V("var", "i64", False, ("t",)), 3), 8) == 4  # spare covers 4 only
    assert fuse.copies_for(loop(V("var", "i64", False, ("t",)), 0), 4) == 1
    assert fuse.copies_for(loop(const(16)), 6) == 4


# stores whose index moves with the counter by a runtime amount, and shared stores
STRIDES = """
__global__ void strides(const float* __restrict__ x, float* __restrict__ y, float* __restrict__ z, int rows, int n) {
    __shared__ float tile[64];
    for (int j = 0; j < 4; j += 1) { y[(threadIdx.x + j) * rows + blockIdx.x] = x[threadIdx.x + j]; }
    for (int j = 0; j < 4; j += 1) { z[j * rows * n + threadIdx.x] = 1.0f; }
    for (int j = 0; j < 4; j += 1) { z[j * rows + j * n + threadIdx.x] = 1.0f; }
    for (int j = 0; j < 4; j += 1) { tile[threadIdx.x + j * 16] = x[j]; }
    for (int j = 0; j < 4; j += 1) { tile[threadIdx.x + j * 16] = tile[threadIdx.x] + 1.0f; }
    __syncthreads();
    y[threadIdx.x] = tile[threadIdx.x];
}
"""


def test_a_runtime_stride_fuses_with_the_factors_that_must_not_be_zero():
    found = plans(STRIDES, "strides")
    assert len(found) == 5
    factors = [[fmt(f) for f in g] for found_plan in found[:2] for g in found_plan.guards.values()]
    assert factors == [["cast<u32>(rows)"], ["rows", "n"]]  # (threadIdx.x + j) is unsigned; two factors
    # rows + n: a sum of runtime coefficients may be zero, so no fusion
    assert found[2] is None
    # a shared store fuses (a constant stride), unless the body reads the array
    assert found[3] is not None and list(found[3].guards.values()) == [()]
    assert found[4] is None


def test_terms_that_cannot_be_negative():
    from porter.passes.tile.fuse import nonnegative
    from porter.passes.tile.program import V
    x = V("var", "f32", True, ("x",))
    y = V("var", "f32", True, ("y",))
    exp = V("math", "f32", True, ("exp", x))
    never_negative = [exp, V("bin", "f32", True, ("*", x, x)), V("math", "f32", True, ("abs", y)),
                      V("bin", "f32", True, ("+", exp, V("const", "f32", False, (1.0,)))),
                      V("select", "f32", True, (V("var", "bool", True, ("m",)), exp, V("const", "f32", False, (0.0,))))]
    maybe_negative = [x, V("bin", "f32", True, ("*", x, y)), V("bin", "f32", True, ("-", exp, x)),
                      V("const", "f32", False, (-1.0,)), V("math", "f32", True, ("log", exp))]
    assert all(nonnegative(v) for v in never_negative)
    assert not any(nonnegative(v) for v in maybe_negative)
