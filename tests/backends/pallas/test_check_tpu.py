"""The Pallas checker's TPU flavour on golden kernels (CPU only): the block model and its refusals.

(tests/check/test_check_pallas.py still expects softmax_rows to be refused on TPU with P0603; the
block model ports it now. This file has the current expectations.)
"""

from pathlib import Path

import pytest

from porter.check.machine import Machine
from porter.check.pallas import PallasChecker
from porter.check.records import PASS, UNSUPPORTED
from porter.golden.spec import load_spec
from porter.golden.store import default_store, load

pytest.importorskip("jax")
GOLDEN = Path(__file__).resolve().parents[3] / "golden" / "kernels"


def _cases(name: str, only: str):
    spec = load_spec(GOLDEN / f"{name}.toml")
    store = default_store(spec.path)
    return spec, [(c, load(store, spec.name, c.name)) for c in spec.cases if c.name == only]


def test_a_shared_memory_reduction_passes_the_tpu_interpreter_and_lowering(tmp_path):
    spec, cases = _cases("softmax_rows", "9x13_t32")
    records = PallasChecker(Machine(tmp_path), flavors=("tpu",)).check_kernel(spec, cases)
    checks = {r.check: r for r in records}
    assert checks["run TPU interpreter"].status == PASS, checks["run TPU interpreter"].detail
    assert checks["lower tpu"].status == PASS, checks["lower tpu"].detail


def test_64_bit_arithmetic_is_refused_on_tpu_by_name(tmp_path):
    spec, cases = _cases("collatz", load_spec(GOLDEN / "collatz.toml").cases[0].name)
    records = PallasChecker(Machine(tmp_path), flavors=("tpu",), lower=False).check_kernel(spec, cases)
    assert [r.status for r in records] == [UNSUPPORTED]
    assert "P0608" in records[0].detail and "64-bit" in records[0].detail
