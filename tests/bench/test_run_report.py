"""The run and its reports on CPU: fake timers, the JSON schema, the table, the chart, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from porter.bench import report
from porter.bench.run import SCHEMA, dry_run_lines, run_benchmark, selection, validate_results
from porter.bench.timers import OK, TIMERS, Build, Settings, Timing, parse_timer_output
from porter.golden.errors import ToolchainError
from porter.golden.toolchain import Gpu, Toolchain

PEAKS = {"copy_Bps": 3.0e12, "fp32_flops_per_s": 5.0e13, "bf16_flops_per_s": 7.9e14, "probe": {}, "torch": {}}


class FakeMachine:
    def __init__(self, build_dir: Path):
        self.build_dir = build_dir
        self.gpu = Gpu("Fake GPU 80GB", "999.1", "9.0")
        self.nvcc = Toolchain(Path("/bin/true"), "13.0.88")
        self.missing = {}


class FakeCuda:
    """Every run takes 10 us, spread over 8..12 us."""

    name = "cuda"
    scale = 1.0

    def unavailable(self, machine):
        return None

    def build(self, spec, machine):
        return Build(OK, "", "fake")

    def time(self, spec, build, jobs, settings):
        times = [self.scale * (0.008 + 0.004 * i / (settings.runs - 1)) for i in range(settings.runs)]
        return [Timing(OK, "", times, True) for _ in jobs]


class FakeHip(FakeCuda):
    name = "hip"
    scale = 2.0  # half as fast


class FakeBroken(FakeCuda):
    name = "triton"

    def build(self, spec, machine):
        return Build("unsupported", "no Triton port of this kernel")


@pytest.fixture
def fake_timers(monkeypatch):
    monkeypatch.setitem(TIMERS, "cuda", f"{__name__}:FakeCuda")
    monkeypatch.setitem(TIMERS, "hip", f"{__name__}:FakeHip")
    monkeypatch.setitem(TIMERS, "triton", f"{__name__}:FakeBroken")


@pytest.fixture
def results(fake_timers, saxpy_spec, tmp_path):
    chosen = selection([saxpy_spec], None)
    return run_benchmark(chosen, ["cuda", "hip", "triton"], Settings(runs=100, warmup=2, copies=2),
                         FakeMachine(tmp_path / "build"), store=tmp_path / "no-store", peaks=PEAKS,
                         command="porter bench")


def test_results_follow_the_schema(results):
    assert results["schema"] == SCHEMA
    assert validate_results(results) == []
    assert validate_results(json.loads(json.dumps(results))) == []  # survives JSON
    by = {(r["case"], r["backend"]): r for r in results["results"]}
    assert len(by) == 6
    cuda, hip = by[("n4096", "cuda")], by[("n4096", "hip")]
    assert cuda["median_ms"] == pytest.approx(0.010) and cuda["runs"] == 100
    assert cuda["bytes"] == 3 * 4096 * 4
    assert cuda["achieved_Bps"] == pytest.approx(3 * 4096 * 4 / 1e-5)
    assert cuda["bandwidth_fraction"] == pytest.approx(cuda["achieved_Bps"] / 3e12)
    assert hip["speed_vs_cuda"] == pytest.approx(0.5) and cuda["speed_vs_cuda"] == pytest.approx(1.0)
    assert by[("n4096", "triton")]["status"] == "unsupported" and by[("n4096", "triton")]["speed_vs_cuda"] is None
    assert results["summary"]["hip"]["geomean_speed_vs_cuda"] == pytest.approx(0.5)
    assert results["summary"]["cuda"]["timed"] == 2
    assert results["environment"]["gpu"]["name"] == "Fake GPU 80GB"


def test_validate_results_finds_problems(results):
    broken = json.loads(json.dumps(results))
    broken["schema"] = "other/9"
    del broken["results"][0]["median_ms"]
    broken["results"][1]["status"] = "great"
    problems = validate_results(broken)
    assert any(p.startswith("schema") for p in problems)
    assert any("median_ms: missing" in p for p in problems)
    assert any("status: 'great'" in p for p in problems)
    assert validate_results({}) != []


def test_table_json_and_chart(results, tmp_path):
    text = report.table_text(results)
    assert "Fake GPU 80GB" in text and "driver 999.1" in text and "nvcc 13.0.88" in text
    assert "saxpy/n4096" in text and "0.500x" in text
    assert "hip: 2/2 timed" in text and "geomean speed vs cuda 0.500x" in text
    folder = report.default_out_dir(results, tmp_path)
    assert folder.name.endswith("-fake-gpu-80gb") and folder.name[:4].isdigit()
    written = report.write_all(results, folder)
    assert validate_results(json.loads((folder / "bench.json").read_text())) == []
    assert (folder / "bench.txt").read_text() == text
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert len(written) == 2
    else:
        assert (folder / "bench.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_parse_timer_output():
    found, begun = parse_timer_output("l2_bytes=1 flush_bytes=2\nbegin=0\ncase=0 copies=4 times_ms=0.5,0.25\nbegin=1\n")
    assert begun == 1 and list(found) == [0] and found[0].times_ms == [0.5, 0.25]


def test_dry_run_lines(saxpy_spec):
    lines = dry_run_lines(selection([saxpy_spec], "n40*"), ["cuda", "hip"], Settings())
    assert lines[0].startswith("saxpy/n4096  cuda") and "bytes=49152" in lines[0]
    assert lines[1].startswith("saxpy/n4096  hip")
    assert lines[-1].startswith("2 timings")


def _cli(args):
    from porter.cli.bench import bench

    return CliRunner().invoke(bench, list(args))  # the command itself: works before COMMANDS lists it


def test_cli_dry_run_needs_no_gpu(saxpy_spec, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    result = _cli([str(saxpy_spec.path), "--dry-run", "--backend", "cuda"])
    assert result.exit_code == 0, result.output
    assert "saxpy/n4096  cuda" in result.output and "saxpy/n1000  cuda" in result.output
    assert "2 timings" in result.output


def test_cli_dry_run_over_the_corpus():
    result = _cli(["--dry-run", "--case", "vector_add/*"])
    assert result.exit_code == 0, result.output
    assert "vector_add/n8192  hip" in result.output


def test_cli_without_a_gpu_fails(saxpy_spec, monkeypatch):
    def no_gpu():
        raise ToolchainError("no NVIDIA GPU found (nvidia-smi is not on PATH)")

    monkeypatch.setattr("porter.check.machine.find_gpu", no_gpu)
    result = _cli([str(saxpy_spec.path)])
    assert result.exit_code == 3
    assert "no NVIDIA GPU found" in result.output


def test_cli_no_matching_case(saxpy_spec):
    result = _cli([str(saxpy_spec.path), "--case", "nothing*", "--dry-run"])
    assert result.exit_code == 2


def test_cli_refuses_too_few_runs(saxpy_spec):
    result = _cli([str(saxpy_spec.path), "--runs", "10", "--dry-run"])
    assert result.exit_code == 2
