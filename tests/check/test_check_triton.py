"""`porter check --backend triton` on a CPU machine: compile gate, interpreter runs, wrong ports."""

import pytest

from porter.check.machine import Machine
from porter.check.records import FAIL, PASS, UNSUPPORTED
from porter.check.run import check
from porter.check.triton import TritonChecker
from tests.golden_cases import GOLDEN, golden_cases

pytest.importorskip("triton")


def test_saxpy_and_a_reduction_pass_in_the_interpreter(tmp_path):
    records = check([GOLDEN / "saxpy.toml", GOLDEN / "softmax_rows.toml"], backends=["triton"],
                    case_glob="*/n1000", machine=Machine(tmp_path))
    records += check([GOLDEN / "softmax_rows.toml"], backends=["triton"], case_glob="*/9x13_t32",
                     machine=Machine(tmp_path))
    checks = {(r.case, r.check): r.status for r in records}
    assert checks[("saxpy/n1000", "run interpreter")] == PASS
    assert checks[("softmax_rows/9x13_t32", "run interpreter")] == PASS
    assert checks[("saxpy/n1000", "compile cuda sm90")] == PASS
    assert checks[("softmax_rows/9x13_t32", "compile hip gfx942")] == PASS


def test_a_wrong_port_fails(tmp_path):
    spec, cases = golden_cases("saxpy", "n1000")
    wrong = TritonChecker(Machine(tmp_path), edit_port=lambda code: code.replace("(a * tl.load", "(a * 0.5 * tl.load"),
                          gpu=False)
    records = wrong.check_kernel(spec, cases)
    run = [r for r in records if r.check == "run interpreter"]
    assert [r.status for r in run] == [FAIL]
    assert "outside rtol" in run[0].detail


def test_refused_kernel_is_unsupported(tmp_path):
    spec, cases = golden_cases("bitonic_sort", "n300_t64")
    records = TritonChecker(Machine(tmp_path), gpu=False).check_kernel(spec, cases)
    assert {r.status for r in records} == {UNSUPPORTED}
    assert "P0403" in records[0].detail
