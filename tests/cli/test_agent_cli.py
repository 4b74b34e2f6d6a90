"""What tools and agents rely on: exit codes in every --help, JSON output, ``porter explain``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.trees import run_porter

KERNELS = Path(__file__).resolve().parents[2] / "golden" / "kernels"


@pytest.mark.parametrize("command", [["translate"], ["port"], ["check"], ["check", "merge"], ["analyze"], ["ir"],
                                     ["doctor"], ["bench"], ["mcp"], ["explain"], ["skill", "install"],
                                     ["golden", "list"]])
def test_help_states_the_exit_codes(command, capsys, monkeypatch):
    outcome = run_porter([*command, "--help"], capsys, monkeypatch)
    assert outcome.code == 0 and "exit code" in outcome.out.lower(), command


def test_explain_reads_the_catalogue(capsys, monkeypatch):
    outcome = run_porter(["explain", "p0210", "P0093", "--format", "json"], capsys, monkeypatch)
    assert outcome.code == 0
    data = json.loads(outcome.out)
    assert data["P0210"]["severity"] == "error" and "warpSize" in data["P0210"]["hint"] and "P0093" in data
    outcome = run_porter(["explain", "P0210"], capsys, monkeypatch)
    assert outcome.out.startswith("P0210 (error): ") and "= hint:" in outcome.out
    outcome = run_porter(["explain", "P9999"], capsys, monkeypatch)
    assert outcome.code == 2 and "P9999" in outcome.err


def test_golden_list_as_json(capsys, monkeypatch):
    outcome = run_porter(["golden", "list", KERNELS / "saxpy.toml", "--format", "json"], capsys, monkeypatch)
    assert outcome.code == 0
    rows = json.loads(outcome.out)
    assert {row["case"] for row in rows} >= {"n1000"} and all(row["kernel"] == "saxpy" for row in rows)
    assert {"status", "gpu", "why"} <= set(rows[0])


def test_mcp_without_the_sdk_is_a_clean_error():
    import subprocess
    import sys

    script = ("import sys; sys.modules['mcp'] = None\n"  # as if the agent extra were not installed
              "from porter.cli import main; sys.argv = ['porter', 'mcp']; main()")
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                               stdin=subprocess.DEVNULL)
    assert completed.returncode == 1 and "porter[agent]" in completed.stderr, completed.stderr
    assert "Traceback" not in completed.stderr and completed.stdout == ""
