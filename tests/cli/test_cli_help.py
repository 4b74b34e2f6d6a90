"""``porter --help`` and each command's help explain themselves; ``python -m porter`` works."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.cli.trees import run_porter


@pytest.mark.parametrize("args, expected", [
    ([], ["translate", "port", "doctor", "Examples"]),
    (["translate"], ["FILE", "--to", "--output", "--hip-version", "--offload-arch", "--launch-syntax", "exit code"]),
    (["port"], ["SRC_DIR", "--out", "--jobs", "--force", "report.json", "up-to-date", "Exit code"]),
    (["doctor"], ["--format", "hipcc", "checks"]),
])
def test_help(capsys, monkeypatch, args, expected):
    outcome = run_porter([*args, "--help"], capsys, monkeypatch)
    assert outcome.code == 0
    for word in expected:
        assert word in outcome.out, word


def test_python_dash_m_porter_runs_the_cli():
    completed = subprocess.run([sys.executable, "-m", "porter", "--version"], capture_output=True, text=True,
                               timeout=60)
    assert completed.returncode == 0 and completed.stdout.startswith("porter, version ")


def test_no_traceback_for_a_missing_file_from_a_real_process(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "porter", "port", str(tmp_path / "nope"), "--to", "hip",
                                "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 2
    assert completed.stderr.startswith("porter: error[P0001]: no such folder")
    assert "Traceback" not in completed.stderr
