"""The Pallas checker's TPU flavour on golden kernels (CPU only): the block model and its refusals.

(tests/check/test_check_pallas.py still expects softmax_rows to be refused on TPU with P0603; the
block model ports it now. This file has the current expectations.)
"""

import pytest

from porter.check.machine import Machine
from porter.check.pallas import PallasChecker
from porter.check.records import PASS, UNSUPPORTED
from tests.golden_cases import golden_cases

pytest.importorskip("jax")


def test_a_shared_memory_reduction_passes_the_tpu_interpreter_and_lowering(tmp_path):
    spec, cases = golden_cases("softmax_rows", "9x13_t32")
    records = PallasChecker(Machine(tmp_path), flavors=("tpu",)).check_kernel(spec, cases)
    checks = {r.check: r for r in records}
    assert checks["run TPU interpreter"].status == PASS, checks["run TPU interpreter"].detail
    assert checks["lower tpu"].status == PASS, checks["lower tpu"].detail


def test_64_bit_arithmetic_is_refused_on_tpu_by_name(tmp_path):
    spec, cases = golden_cases("collatz")
    cases = cases[:1]
    records = PallasChecker(Machine(tmp_path), flavors=("tpu",), lower=False).check_kernel(spec, cases)
    assert [r.status for r in records] == [UNSUPPORTED]
    assert "P0608" in records[0].detail and "64-bit" in records[0].detail
