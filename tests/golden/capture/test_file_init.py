"""Format 2's ``init = "file"``: inputs from .npy files beside the spec, one per case with ``{case}``."""

from __future__ import annotations

import numpy as np
import pytest

from porter.golden import load_spec, make_inputs, resolve_case
from porter.golden.errors import SpecError
from porter.golden.resolve import case_hash

KERNEL = "__global__ void scale(float* x, int n) { int i = threadIdx.x; if (i < n) x[i] *= 2.0f; }\n"
SPEC = """\
format = 2
category = "elementwise"

[buffers]
x = { dtype = "float32", shape = "n", role = "inout", init = "file", file = "data/{case}/x.npy" }

[scalars]
n = "n"

[[launch]]
kernel = "scale"
grid = 1
block = 32
args = ["x", "n"]

[[case]]
name = "a"
sizes = { n = 5 }
"""


@pytest.fixture
def spec_path(tmp_path):
    (tmp_path / "scale.cu").write_text(KERNEL)
    (tmp_path / "scale.toml").write_text(SPEC)
    (tmp_path / "data" / "a").mkdir(parents=True)
    np.save(tmp_path / "data" / "a" / "x.npy", np.arange(5, dtype=np.float32))
    return tmp_path / "scale.toml"


def test_inputs_come_from_the_case_file(spec_path):
    spec = load_spec(spec_path)
    inputs = make_inputs(resolve_case(spec, spec.cases[0]))
    np.testing.assert_array_equal(inputs["x"], np.arange(5, dtype=np.float32))


def test_case_hash_follows_the_data_not_the_folder(spec_path, tmp_path):
    spec = load_spec(spec_path)
    before = case_hash(resolve_case(spec, spec.cases[0]))
    moved = tmp_path / "moved"
    moved.mkdir()
    for name in ("scale.cu", "scale.toml"):
        (moved / name).write_bytes((tmp_path / name).read_bytes())
    (moved / "data" / "a").mkdir(parents=True)
    (moved / "data" / "a" / "x.npy").write_bytes((tmp_path / "data" / "a" / "x.npy").read_bytes())
    assert case_hash(resolve_case(load_spec(moved / "scale.toml"), spec.cases[0])) == before
    np.save(tmp_path / "data" / "a" / "x.npy", np.ones(5, dtype=np.float32))
    assert case_hash(resolve_case(spec, spec.cases[0])) != before


def test_missing_file_is_a_spec_error(spec_path):
    (spec_path.parent / "data" / "a" / "x.npy").unlink()
    with pytest.raises(SpecError, match=r"buffers\.x\.file: cannot read .*x\.npy"):
        load_spec(spec_path)


def test_file_of_another_dtype_or_size_is_refused(spec_path):
    spec = load_spec(spec_path)
    np.save(spec_path.parent / "data" / "a" / "x.npy", np.arange(5, dtype=np.float64))
    with pytest.raises(ValueError, match="holds 5 float64, the buffer is 5 float32"):
        make_inputs(resolve_case(spec, spec.cases[0]))
