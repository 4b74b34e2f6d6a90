"""The Pallas checker on golden kernels (CPU only): interpreters, lowerings, wrong ports, refusals."""

import pytest

from porter.check.machine import Machine
from porter.check.pallas import PallasChecker
from porter.check.records import FAIL, PASS, UNSUPPORTED
from tests.golden_cases import golden_cases

pytest.importorskip("jax")


def test_saxpy_passes_both_flavours_and_lowers(tmp_path):
    spec, cases = golden_cases("saxpy", "n1000")
    records = PallasChecker(Machine(tmp_path)).check_kernel(spec, cases)
    checks = {(r.backend, r.check): r.status for r in records}
    assert checks[("pallas-gpu", "run interpreter")] == PASS
    assert checks[("pallas-gpu", "lower cuda")] == PASS
    assert checks[("pallas-tpu", "run TPU interpreter")] == PASS
    assert checks[("pallas-tpu", "lower tpu")] == PASS


def test_a_shared_memory_reduction_passes_on_both_flavours(tmp_path):
    spec, cases = golden_cases("softmax_rows", "9x13_t32")
    records = PallasChecker(Machine(tmp_path), lower=False).check_kernel(spec, cases)
    checks = {(r.backend, r.check): r for r in records}
    assert checks[("pallas-gpu", "run interpreter")].status == PASS
    assert checks[("pallas-tpu", "run TPU interpreter")].status == PASS  # shared memory: VMEM scratch


def test_a_64_bit_kernel_is_refused_on_tpu(tmp_path):
    spec, cases = golden_cases("collatz", "n1000_cap100")
    records = PallasChecker(Machine(tmp_path), flavors=("tpu",), lower=False).check_kernel(spec, cases)
    assert {r.status for r in records} == {UNSUPPORTED}
    assert "P0608" in records[0].detail


def test_a_wrong_port_fails(tmp_path):
    spec, cases = golden_cases("saxpy", "n1000")
    wrong = PallasChecker(Machine(tmp_path), flavors=("gpu",), lower=False,
                          edit_port=lambda code: code.replace("((a * _ld", "((a * 0.5 * _ld"))
    records = wrong.check_kernel(spec, cases)
    assert [r.status for r in records] == [FAIL]
    assert "outside" in records[0].detail
