"""`porter check --backend nki`: runs under porter's NKI model, the simulator check's status."""

from porter.check.machine import Machine
from porter.check.nki import MODEL, REAL, NkiChecker
from porter.check.records import FAIL, PASS, UNAVAILABLE, UNSUPPORTED
from tests.golden_cases import golden_cases


def test_saxpy_passes_under_the_model_and_the_simulator_is_unavailable(tmp_path):
    spec, cases = golden_cases("saxpy", "n1000")
    records = NkiChecker(Machine(tmp_path), real=False).check_kernel(spec, cases)
    checks = {r.check: r for r in records}
    assert checks[MODEL].status == PASS, checks[MODEL].detail
    assert checks[REAL].status == UNAVAILABLE and "nki.simulate" in checks[REAL].detail


def test_a_wrong_port_fails(tmp_path):
    spec, cases = golden_cases("vector_add", "n1000")
    wrong = NkiChecker(Machine(tmp_path), real=False, edit_port=lambda code: code.replace("op=nl.add", "op=nl.subtract"))
    run = [r for r in wrong.check_kernel(spec, cases) if r.check == MODEL]
    assert [r.status for r in run] == [FAIL]
    assert "outside rtol" in run[0].detail


def test_refused_kernel_is_unsupported(tmp_path):
    spec, cases = golden_cases("reduce_atomic", "n5000_t128")
    records = NkiChecker(Machine(tmp_path), real=False).check_kernel(spec, cases)
    assert {r.status for r in records} == {UNSUPPORTED}
    assert "P0703" in records[0].detail  # general atomics have no NKI form
