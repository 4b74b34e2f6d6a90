"""Loading specs: the corpus loads, and each kind of mistake gets a message naming file and key."""

from __future__ import annotations

import re

import pytest

from porter.golden import corpus_dir, discover, load_spec
from porter.golden.errors import SpecError
from porter.golden.model import Tolerance
from porter.golden.spec import parse_spec
from tests.golden.conftest import SAXPY_CU, SAXPY_TOML


def test_loads_saxpy(specs):
    spec = load_spec(specs.write())
    assert spec.name == "saxpy"
    assert spec.source.name == "saxpy.cu"
    assert [b.name for b in spec.buffers] == ["x", "y"]
    assert spec.buffer("y").init.param("low") == -2.0
    assert [(s.name, s.value) for s in spec.scalars] == [("n", "n"), ("a", 2.5)]
    assert spec.launches[0].grid == ("cdiv(n, 256)",)
    assert [(c.name, c.size_map, c.seed) for c in spec.cases] == [("n4096", {"n": 4096}, 0),
                                                                  ("n1000", {"n": 1000}, 1)]


def test_output_buffers_default_to_poison(specs):
    toml = SAXPY_TOML.replace('role = "inout", init = "uniform", low = -2.0, high = 2.0', 'role = "out"')
    assert load_spec(specs.write(toml=toml)).buffer("y").init.kind == "poison"


def test_tolerances(specs):
    toml = (SAXPY_TOML + '\n[tolerance.float32]\nrtol = 1e-3\n').replace(
        'init = "normal" }', 'init = "normal", atol = 0.5 }')
    spec = load_spec(specs.write(toml=toml))
    assert spec.tolerance(spec.buffer("x")) == Tolerance(1e-3, 0.5)
    assert spec.tolerance(spec.buffer("y")) == Tolerance(1e-3, 1e-5)


def test_discover_finds_specs_beside_sources(specs, tmp_path):
    specs.write()
    (specs.root / "notes.toml").write_text("x = 1\n")  # no notes.cu beside it: not a spec
    assert [p.name for p in discover([tmp_path])] == ["saxpy.toml"]
    assert [p.name for p in discover([specs.root / "saxpy.cu"])] == ["saxpy.toml"]
    with pytest.raises(SpecError, match="no such file"):
        discover([tmp_path / "missing"])


def replace(old: str, new: str) -> str:
    assert old in SAXPY_TOML, old
    return SAXPY_TOML.replace(old, new)


BAD_SPECS = [
    # (what is wrong, toml, cuda, expected key in the message, expected text)
    ("toml syntax", "description = \n", None, r"saxpy\.toml", "not valid TOML"),
    ("unknown top key", "colour = 1\n" + SAXPY_TOML, None, r"saxpy\.toml: colour", "unknown key"),
    ("bad category", replace('"elementwise"', '"misc"'), None, "category", "'misc' is not one of"),
    ("bad dtype", replace('dtype = "float32", shape = "n", role = "in"', 'dtype = "f32", shape = "n", role = "in"'),
     None, r"buffers\.x\.dtype", "'f32' is not one of"),
    ("bad role", replace('role = "in"', 'role = "input"'), None, r"buffers\.x\.role", "not one of"),
    ("missing shape", replace('shape = "n", role = "in"', 'role = "in"'), None, r"buffers\.x\.shape", "missing"),
    ("unknown buffer key", replace('init = "normal" }', 'init = "normal", colour = 1 }'), None,
     r"buffers\.x\.colour", "unknown key"),
    ("bad init", replace('init = "normal"', 'init = "gaussian"'), None, r"buffers\.x\.init", "not one of"),
    ("init param of another kind", replace('init = "normal"', 'init = "normal", high = 3'), None,
     r"buffers\.x\.high", "unknown key"),
    ("randint needs high", replace('init = "normal"', 'init = "randint"'), None, r"buffers\.x\.high",
     "needs 'high'"),
    ("float init on ints", replace('dtype = "float32", shape = "n", role = "in"', 'dtype = "int32", shape = "n", role = "in"'),
     None, r"buffers\.x\.init", "needs a float dtype"),
    ("empty range", replace("low = -2.0, high = 2.0", "low = 2.0, high = 2.0"), None, r"buffers\.y",
     "needs low < high"),
    ("randint out of the dtype", replace('dtype = "float32", shape = "n", role = "in", init = "normal"',
                                         'dtype = "int8", shape = "n", role = "in", init = "randint", high = 300'),
     None, r"buffers\.x", "does not fit in int8"),
    ("unknown arg", replace('"n", "a", "x", "y"]', '"n", "a", "x", "z"]'), None, r"launch\[0\]\.args",
     "'z' is neither a buffer nor a scalar"),
    ("name clash", replace('a = 2.5', 'a = 2.5\nx = 1'), None, r"scalars\.x", "also a buffer"),
    ("no cases", SAXPY_TOML.split("[[case]]")[0], None, r"saxpy\.toml: case", "one or more"),
    ("duplicate case", replace('name = "n1000"', 'name = "n4096"'), None, r"case\[1\]\.name", "duplicate"),
    ("bad case name", replace('name = "n1000"', 'name = "n 1000"'), None, r"case\[1\]\.name", "file name"),
    ("negative size", replace('sizes = { n = 1000 }', 'sizes = { n = -1 }'), None, r"case\[1\]\.sizes\.n", ">= 0"),
    ("expression syntax", replace('grid = "cdiv(n, 256)"', 'grid = "cdiv(n,"'), None, r"launch\[0\]\.grid",
     "cannot parse"),
    ("unknown size", replace('grid = "cdiv(n, 256)"', 'grid = "cdiv(m, 256)"'), None,
     r"case 'n4096': launch\[0\]\.grid\[0\]", "unknown name 'm'"),
    ("empty grid", replace('grid = "cdiv(n, 256)"', 'grid = "n // 5000"'), None,
     r"launch\[0\]\.grid\[0\]", "outside 1"),
    ("too many threads", replace("block = 256", "block = [64, 32]"), None, r"launch\[0\]\.block",
     "more than 1024 threads"),
    ("fractional grid", replace('grid = "cdiv(n, 256)"', 'grid = "n / 3"'), None, r"launch\[0\]\.grid",
     "not an integer"),
    ("missing source", SAXPY_TOML, "", r"saxpy\.toml: source", "cannot read"),
    ("no such kernel", replace('kernel = "saxpy"', 'kernel = "daxpy"'), SAXPY_CU, r"launch\[0\]\.kernel",
     "no __global__ kernel 'daxpy'"),
    ("template args on a plain kernel", replace('kernel = "saxpy"', 'kernel = "saxpy<256>"'), SAXPY_CU,
     r"launch\[0\]\.kernel", "is not a template"),
    ("argument count", replace('"n", "a", "x", "y"]', '"n", "a", "x"]'), SAXPY_CU, r"launch\[0\]\.args",
     "3 arguments for 4 parameters"),
    ("buffer for a scalar", replace('"n", "a", "x", "y"]', '"x", "a", "n", "y"]'), SAXPY_CU,
     r"args\[0\] \('x' for 'int n'\)", "needs a scalar"),
    ("dtype mismatch", replace('x = { dtype = "float32"', 'x = { dtype = "float16"'), SAXPY_CU,
     r"args\[2\]", "buffer 'x' is float16 but the parameter points to float"),
    ("float for an int", replace('n = "n"', 'n = "n / 2"'), SAXPY_CU, r"args\[0\]", "not an integer"),
    ("int out of range", replace('n = "n"', 'n = "n * 10**7"'), SAXPY_CU, r"args\[0\]", "does not fit in int"),
    ("unused buffer", replace("[scalars]", 'z = { dtype = "float32", shape = "n", role = "in" }\n[scalars]'),
     SAXPY_CU, r"buffers\.z", "not passed to any launch"),
    ("output through a const pointer", replace('role = "in", init = "normal"', 'role = "out"'), SAXPY_CU,
     r"buffers\.x", "const pointer"),
    ("lanes", replace('x = { dtype = "float32"', 'x = { dtype = "float16"').replace("n = 1000 }", "n = 1001 }"),
     SAXPY_CU.replace("const float* __restrict__ x", "const __half2* x").replace("x[i]", "0.0f"),
     r"args\[2\].*case 'n1000'",
     "not a multiple of the 2 lanes"),
]


@pytest.mark.parametrize(("toml", "cuda", "key", "text"), [case[1:] for case in BAD_SPECS],
                         ids=[case[0] for case in BAD_SPECS])
def test_bad_specs_name_file_and_key(specs, toml, cuda, key, text):
    path = specs.write(toml=toml, cuda=cuda or SAXPY_CU)
    if cuda == "":
        (specs.root / "saxpy.cu").unlink()
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert re.search(key, message), message
    assert text in message, message


def test_parse_spec_does_not_need_the_source(specs):
    path = specs.write()
    (specs.root / "saxpy.cu").unlink()
    assert parse_spec(path).name == "saxpy"
    assert load_spec(path, check_source=False).name == "saxpy"


CORPUS = discover([corpus_dir()])


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 42
    assert len({p.stem for p in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_spec_is_valid(path):
    spec = load_spec(path)
    assert spec.description
    assert len(spec.cases) >= 2


def _awkward(size: int, block: int) -> bool:
    return size > 1 and size & (size - 1) != 0 and size % block != 0


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_spec_has_an_awkward_size(path):
    """Some case has a size that is neither a power of two nor a multiple of the block size."""
    from porter.golden import resolve_case

    spec = load_spec(path)
    blocks = {resolve_case(spec, case).launches[0].block[0] for case in spec.cases}
    sizes = [size for case in spec.cases for _, size in case.sizes]
    assert any(_awkward(size, block) for size in sizes for block in blocks), (sizes, blocks)


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_corpus_source_is_device_code_only(path):
    text = path.with_suffix(".cu").read_text()
    includes = set(re.findall(r"#include\s*[<\"]([^>\"]+)", text))
    assert includes <= {"cuda_fp16.h", "cuda_bf16.h", "stdint.h"}
    for forbidden in ("int main", "cudaMalloc(", "<<<", "asm(", "asm volatile", "cooperative_groups"):
        assert forbidden not in text
