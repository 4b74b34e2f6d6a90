"""``porter golden``: clean errors (no traceback) without a GPU or nvcc, list and validate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from porter.cli import cli
from porter.golden import toolchain
from tests.golden.conftest import SAXPY_TOML

ROOT = Path(__file__).resolve().parents[2]


def invoke(*args: str):
    result = CliRunner().invoke(cli, ["golden", *args], env={"COLUMNS": "200"})
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    return result


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(toolchain.shutil, "which", lambda name: None)


def test_record_without_nvcc(specs, monkeypatch, no_gpu):
    monkeypatch.setattr(toolchain, "_nvcc_candidates", list)
    result = invoke("record", str(specs.write()))
    assert result.exit_code == 3
    assert "porter: error: no nvcc found" in result.output
    assert "--nvcc PATH" in result.output


def test_record_with_a_missing_nvcc_path(specs):
    result = invoke("record", str(specs.write()), "--nvcc", "/nonexistent/nvcc")
    assert result.exit_code == 3
    assert "nvcc not found at /nonexistent/nvcc" in result.output


def test_record_without_a_gpu(specs, tmp_path, no_gpu):
    nvcc = tmp_path / "nvcc"
    nvcc.write_text("#!/bin/sh\necho 'Cuda compilation tools, release 13.0, V13.0.88'\n")
    nvcc.chmod(0o755)
    result = invoke("record", str(specs.write()), "--nvcc", str(nvcc))
    assert result.exit_code == 3
    assert "no NVIDIA GPU found" in result.output


def test_record_with_a_bad_spec(specs):
    path = specs.write(toml=SAXPY_TOML.replace('role = "in"', 'role = "input"'))
    result = invoke("record", str(path))
    assert result.exit_code == 2
    assert f"porter: error: {path}: buffers.x.role:" in result.output


def test_record_with_no_matching_case(specs, tmp_path, monkeypatch):
    monkeypatch.setattr(toolchain, "find_gpu", lambda: toolchain.Gpu("Fake", "1", "9.0"))
    nvcc = tmp_path / "nvcc"
    nvcc.write_text("#!/bin/sh\necho V13.0.88\n")
    nvcc.chmod(0o755)
    result = invoke("record", str(specs.write()), "--nvcc", str(nvcc), "--case", "nothing*")
    assert result.exit_code == 2
    assert "no case matches 'nothing*'" in result.output


def test_record_reports_failed_cases(specs, tmp_path, monkeypatch):
    """A compiler that fails: every case is reported as failed (exit 1), markup-like text intact."""
    monkeypatch.setattr(toolchain, "find_gpu", lambda: toolchain.Gpu("Fake", "1", "9.0"))
    nvcc = tmp_path / "nvcc"
    nvcc.write_text("#!/bin/sh\necho V13.0.88\necho 'error: [bold]no[/bold] compiler here' >&2\nexit 1\n")
    nvcc.chmod(0o755)
    result = invoke("record", str(specs.write()), "--nvcc", str(nvcc), "--sanitize", "--store", str(tmp_path / "s"))
    assert result.exit_code == 1, result.output
    assert "failed saxpy/n4096" in result.output and "failed saxpy/n1000" in result.output
    assert "[bold]no[/bold] compiler here" in result.output
    assert "0 recorded, 2 failed" in result.output


def test_list(specs, tmp_path):
    path = specs.write()
    result = invoke("list", str(path), "--store", str(tmp_path / "store"))
    assert result.exit_code == 0, result.output
    assert "saxpy" in result.output and "n1000" in result.output
    assert "2 missing" in result.output


def test_list_of_nothing(tmp_path):
    result = invoke("list", str(tmp_path))
    assert result.exit_code == 2
    assert "no kernel specs found" in result.output


def test_validate(specs):
    result = invoke("validate", str(specs.write()))
    assert result.exit_code == 0, result.output
    assert "1 kernel specs with 2 cases are valid" in result.output


def test_the_checkout_runs_without_installing(specs):
    """golden/run_porter.py (what record_on_gpu.sh uses) loads porter from the checkout."""
    command = [sys.executable, str(ROOT / "golden" / "run_porter.py"), "golden", "validate", str(specs.write())]
    result = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "are valid" in result.stdout


def test_record_script_is_valid_bash():
    subprocess.run(["bash", "-n", str(ROOT / "golden" / "record_on_gpu.sh")], check=True)
