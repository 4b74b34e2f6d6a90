"""On a machine with an NVIDIA GPU: the HIP port really runs and matches, and a wrong one fails."""

import shutil
from pathlib import Path

import pytest

from porter.check.hip import HipChecker
from porter.check.machine import Machine
from porter.check.records import FAIL, PASS
from porter.golden.spec import load_spec
from porter.golden.store import default_store, load

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "kernels"

pytestmark = pytest.mark.skipif(shutil.which("nvidia-smi") is None or shutil.which("nvcc") is None,
                                reason="needs an NVIDIA GPU and nvcc")


def _run(tmp_path, edit=None):
    spec = load_spec(GOLDEN / "saxpy.toml")
    cases = [(case, load(default_store(spec.path), spec.name, case.name)) for case in spec.cases]
    records = HipChecker(Machine(tmp_path), edit).check_kernel(spec, cases)
    return [r for r in records if r.check.startswith("run")]


def test_hip_port_runs_and_matches(tmp_path):
    runs = _run(tmp_path)
    assert runs and all(r.status == PASS for r in runs), runs


def test_deliberately_wrong_port_fails(tmp_path):
    runs = _run(tmp_path, lambda code: code.replace("a * x[i]", "a * x[i] + 1e-3f"))
    assert runs and all(r.status == FAIL for r in runs), runs
