"""`porter profile` and `porter trace` from the command line (CPU: torch.profiler without a GPU)."""

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from porter.cli import cli
from porter.profile import ncu, store

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_python_workload_is_profiled_and_its_exit_status_kept(tmp_path):
    pytest.importorskip("torch")
    script = tmp_path / "work.py"
    script.write_text("import sys, torch\nx = torch.ones(4) * 2\nprint('sum', float(x.sum()))\nsys.exit(3)\n")
    db, trace = tmp_path / "w.db", tmp_path / "w.json"
    result = CliRunner().invoke(cli, ["profile", "-o", str(db), "--trace", str(trace), "--",
                                      sys.executable, str(script)])
    assert result.exit_code == 3, result.output
    meta = store.metadata(store.open_profile(db))
    assert meta["profiler"] == "torch.profiler" and str(script) in meta["command"]
    assert "traceEvents" in json.loads(trace.read_text())  # Kineto's own trace, as Perfetto opens it


def test_a_binary_without_ncu_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    result = CliRunner().invoke(cli, ["profile", "-o", str(tmp_path / "b.db"), "--", "/bin/true"])
    assert result.exit_code == 1 and "ncu" in result.output
    assert not (tmp_path / "b.db").exists()


def test_trace_commands_print_tables_json_and_csv(tmp_path):
    db = store.write(ncu.profile_from_csv((FIXTURES / "ncu_raw.csv").read_text()), tmp_path / "n.db")
    runner = CliRunner()
    top = runner.invoke(cli, ["trace", "top", str(db), "--format", "json"])
    assert top.exit_code == 0 and json.loads(top.output)[0]["kernel"].startswith("saxpy")
    csv_out = runner.invoke(cli, ["trace", "query", str(db), "SELECT base_name FROM kernels ORDER BY id",
                                  "--format", "csv"])
    assert csv_out.output.split() == ["base_name", "saxpy", "softmax_rows", "saxpy"]
    assert runner.invoke(cli, ["trace", "verify", str(db)]).exit_code == 0
    bad_sql = runner.invoke(cli, ["trace", "query", str(db), "SELEC nonsense"])
    assert bad_sql.exit_code == 1 and "SQL error" in bad_sql.output
    assert "roofline" in runner.invoke(cli, ["trace", "roofline", str(db)]).output
    missing = runner.invoke(cli, ["trace", "top", str(tmp_path / "nope.db")])
    assert missing.exit_code == 1 and "no such file" in missing.output
