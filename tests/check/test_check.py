"""`porter check` on a CPU machine: compile gate, runs unavailable, stale goldens, wrong ports, formats."""

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from porter.check.compare import compare_outputs
from porter.check.hip import HipChecker
from porter.check.machine import Machine
from porter.check.records import ERROR, FAIL, PASS, UNAVAILABLE
from porter.check.run import check
from porter.golden.spec import load_spec
from porter.golden.store import default_store, load

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "kernels"


@pytest.fixture()
def saxpy(tmp_path):
    """A copy of the saxpy spec, kernel and goldens that a test may change."""
    for name in ("saxpy.toml", "saxpy.cu"):
        shutil.copy(GOLDEN / name, tmp_path / name)
    store = default_store(GOLDEN / "saxpy.toml") / "saxpy"
    shutil.copytree(store, default_store(tmp_path / "saxpy.toml") / "saxpy")
    return tmp_path


class NoGpuMachine(Machine):
    """This machine as it is, but with no NVIDIA GPU even if one is present."""

    @property
    def gpu(self):
        self.missing["gpu"] = "no NVIDIA GPU found (test)"
        return None


def test_cpu_machine_compile_gates_and_reports_the_run_unavailable(saxpy, tmp_path):
    records = check([saxpy], ["hip"], "n1000", NoGpuMachine(tmp_path / "build"))
    by_check = {r.check: r for r in records}
    assert set(by_check) == {"compile gfx90a", "compile gfx1100", "run"}
    assert by_check["run"].status == UNAVAILABLE and "GPU" in by_check["run"].detail
    if shutil.which("hipcc"):
        assert by_check["compile gfx90a"].status == PASS and by_check["compile gfx1100"].status == PASS
    assert not any(r.status == PASS and r.check == "run" for r in records)


def test_stale_golden_is_an_error(saxpy, tmp_path):
    kernel = saxpy / "saxpy.cu"
    kernel.write_text(kernel.read_text().replace("a * x[i]", "a * x[i] * 1.0f"))
    records = check([saxpy], ["hip"], None, NoGpuMachine(tmp_path / "build"))
    assert records and all(r.status == ERROR for r in records)
    assert "saxpy.cu changed" in records[0].detail


def test_a_wrong_port_fails_and_a_right_one_passes(saxpy, tmp_path, monkeypatch):
    """The run path with a stand-in launcher: outputs of a wrong port fail, the golden's pass."""
    spec = load_spec(saxpy / "saxpy.toml")
    case = spec.case("n1000")
    golden = load(default_store(spec.path), "saxpy", "n1000")
    checker = HipChecker(Machine(tmp_path))

    def launcher_returning(outputs):
        return lambda binary, resolved, inputs, build_dir, wrapper=None: {**inputs, **outputs}

    wrong = {name: values + np.float32(0.5) for name, values in golden.outputs.items()}
    monkeypatch.setattr("porter.check.hip.run_launcher", launcher_returning(wrong))
    failed = checker._run_case(spec, case, golden, tmp_path / "launcher", "run test")
    assert failed.status == FAIL and "outside rtol" in failed.detail and failed.max_abs_err == pytest.approx(0.5)
    monkeypatch.setattr("porter.check.hip.run_launcher", launcher_returning(golden.outputs))
    passed = checker._run_case(spec, case, golden, tmp_path / "launcher", "run test")
    assert passed.status == PASS and passed.max_abs_err == 0


def test_unwritten_outputs_fail(saxpy):
    spec = load_spec(saxpy / "saxpy.toml")
    golden = load(default_store(spec.path), "saxpy", "n1000")
    name = next(iter(golden.outputs))
    broken = golden.outputs[name].copy()
    broken[7] = np.nan
    result = compare_outputs(spec, golden.outputs, {name: broken})
    assert not result.ok and f"{name}[7]" in result.detail


def test_json_and_junit(saxpy, tmp_path):
    from click.testing import CliRunner

    from porter.cli.check import check as check_command

    runner = CliRunner()
    out = runner.invoke(check_command, [str(saxpy), "--case", "n1000", "--format", "json",
                                        "--build-dir", str(tmp_path / "b")])
    data = json.loads(out.stdout)
    assert data["records"] and {"case", "backend", "status", "max_abs_err", "max_rel_err", "detail"} <= \
        set(data["records"][0])
    assert sum(data["summary"].values()) == len(data["records"])
    junit = runner.invoke(check_command, [str(saxpy), "--case", "n1000", "--format", "junit",
                                          "--build-dir", str(tmp_path / "b")])
    root = ET.fromstring(junit.stdout.split("\n", 1)[1] if junit.stdout.startswith("<?xml") else junit.stdout)
    cases = root.findall(".//testcase")
    assert len(cases) == len(data["records"])
    assert out.exit_code == junit.exit_code == (1 if data["summary"]["fail"] + data["summary"]["error"] else 0)


def test_equal_infinities_match_and_opposite_ones_do_not(saxpy):
    spec = load_spec(saxpy / "saxpy.toml")
    name = next(b.name for b in spec.buffers if b.is_output)
    golden = {name: np.array([np.inf, -np.inf, 1.0], dtype=np.float32)}
    assert compare_outputs(spec, golden, {name: golden[name].copy()}).ok
    flipped = np.array([np.inf, np.inf, 1.0], dtype=np.float32)
    assert not compare_outputs(spec, golden, {name: flipped}).ok
