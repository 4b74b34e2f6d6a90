"""Which parameter each pointer of a block program is based on (porter.passes.tile.alias)."""

from porter.passes.tile.alias import aliasing
from porter.passes.tile.program import V
from tests.passes.tile.test_prefetch import RESTRICT, WRITES, program_of

POINTERS = """
__global__ void pointers(float* __restrict__ a, float* __restrict__ b, float* c, int n, int k) {
    float* p = a + n;
    float* q = p + 1;
    float* r = a;
    if (k > 0) { r = b; }
    float* s = c + k;
    for (int i = 0; i < n; i++) { q = q + 1; }
    p[0] = q[0] + r[0] + s[0];
}
"""


def test_pointers_are_based_on_the_parameter_they_are_derived_from():
    memory = aliasing(program_of(POINTERS, "pointers"))
    roots = {name: memory.roots[name] for name in ("a", "b", "c", "p", "q", "r", "s")}
    assert roots == {"a": "a", "b": "b", "c": "c", "p": "a", "q": "a", "r": "", "s": "c"}
    assert memory.restrict == {"a", "b"}


def test_only_a_store_through_a_restrict_pointer_excludes_other_loads():
    memory = aliasing(program_of(POINTERS, "pointers"))
    var = lambda name: V("var", "*f32", False, (name,))  # noqa: E731
    assert memory.store_excludes(var("p")) == "a"
    assert memory.store_excludes(var("s")) is None  # c is not restrict
    assert memory.store_excludes(var("r")) is None  # a or b: unknown
    assert memory.root(V("const", "i32", False, (0,))) is None  # not a pointer


def test_kernels_of_the_prefetch_tests():
    assert aliasing(program_of(RESTRICT, "restricted")).roots["row"] == "x"
    assert aliasing(program_of(WRITES, "writes")).restrict == frozenset()
