"""``porter port``: the command-line contract (exit codes, summary, reports, refusals)."""

from __future__ import annotations

import errno
import io
import json
from pathlib import Path

import pytest

from porter.cli.port import PlainProgress, RichProgress
from porter.port import execute, plan_port
from tests.cli.trees import make_tree, run_porter, temporary_files


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path / "src")


def test_ports_a_tree_and_prints_a_summary(tree: Path, tmp_path: Path, capsys, monkeypatch):
    out = tmp_path / "out"
    outcome = run_porter(["port", tree, "--to", "hip", "--out", out, "-j", "1"], capsys, monkeypatch)
    assert outcome.code == 0, outcome.err
    assert outcome.out == ""  # everything for people goes to stderr
    lines = outcome.err.splitlines()
    assert lines[0].startswith("porter: ported 7 files from ")
    assert lines[1] == "  4 translated, 1 unchanged, 2 copied, 0 up-to-date, 0 skipped, 0 failed"
    assert "lines/s" in outcome.err and "report: " in outcome.err
    assert json.loads((out / "report.json").read_text())["summary"]["ok"] is True
    assert (out / "reduce.cu").is_file()


def test_second_run_is_up_to_date_and_force_redoes_it(tree: Path, tmp_path: Path, capsys, monkeypatch):
    args = ["port", tree, "--to", "hip", "--out", tmp_path / "out", "-j", "1"]
    run_porter(args, capsys, monkeypatch)
    again = run_porter(args, capsys, monkeypatch)
    assert again.code == 0 and "7 up-to-date" in again.err
    forced = run_porter([*args, "--force"], capsys, monkeypatch)
    assert forced.code == 0 and "0 up-to-date" in forced.err


def test_failed_files_exit_1_and_are_listed(tree: Path, tmp_path: Path, capsys, monkeypatch):
    (tree / "binary.cu").write_bytes(b"\x00\x01\x02\x03")
    (tree / "latin1.cuh").write_bytes(b"// \xe9\n")
    out = tmp_path / "out"
    outcome = run_porter(["port", tree, "--to", "hip", "--out", out, "-j", "2"], capsys, monkeypatch)
    assert outcome.code == 1
    assert "failed: binary.cu: error[P0005]" in outcome.err
    assert "latin1.cuh" not in outcome.err and (out / "latin1.cuh").read_bytes() == b"// \xe9\n"
    assert "Traceback" not in outcome.err
    assert (out / "reduce.cu").is_file() and temporary_files(out) == []


def test_error_diagnostics_in_the_code_do_not_fail_the_port(tree: Path, tmp_path: Path, capsys, monkeypatch):
    outcome = run_porter(["port", tree, "--to", "hip", "--out", tmp_path / "out", "-j", "1"], capsys, monkeypatch)
    assert outcome.code == 0
    assert "errors 1" in outcome.err  # kernels/warp32.cu assumes 32 lanes


@pytest.mark.parametrize("case, diag_id", [("missing", "P0001"), ("file", "P0012"), ("inside", "P0011"),
                                           ("same", "P0011"), ("under-a-file", "P0008")])
def test_bad_usage_exits_2_with_one_clear_line(tree: Path, tmp_path: Path, capsys, monkeypatch, case, diag_id):
    (tmp_path / "afile").write_text("a file\n")
    source, out = {
        "missing": (tmp_path / "nope", tmp_path / "out"),
        "file": (tree / "reduce.cu", tmp_path / "out"),
        "inside": (tree, tree / "build"),
        "same": (tree, tree),
        "under-a-file": (tree, tmp_path / "afile" / "sub"),
    }[case]
    outcome = run_porter(["port", source, "--to", "hip", "--out", out], capsys, monkeypatch)
    assert outcome.code == 2
    assert outcome.err.splitlines()[0].startswith(f"porter: error[{diag_id}]: ")
    assert "Traceback" not in outcome.err
    assert not (tree / "build").exists() and not (tmp_path / "out").exists()


def test_bad_options_are_usage_errors(tree: Path, tmp_path: Path, capsys, monkeypatch):
    outcome = run_porter(["port", tree, "--to", "hip", "--out", tmp_path / "out", "--offload-arch", "gfx1"],
                         capsys, monkeypatch)
    assert outcome.code == 2 and "unknown --offload-arch 'gfx1'" in outcome.err
    assert run_porter(["port", tree, "--to", "hip", "--out", tmp_path / "o", "-j", "0"], capsys, monkeypatch).code == 2
    assert run_porter(["port", tree, "--to", "hip"], capsys, monkeypatch).code == 2  # --out is required


def test_progress_bar_on_a_terminal(tree: Path, tmp_path: Path):
    from rich.console import Console

    stream = io.StringIO()
    progress = RichProgress(Console(file=stream, force_terminal=True, width=100))
    with progress:
        run = execute(plan_port(tree, tmp_path / "out", "hip"), 1, progress)
    assert run.ok and "porting" in stream.getvalue()


def test_plain_progress_prints_lines_only_for_long_ports(capsys):
    from porter.port import FileRecord

    quick = PlainProgress()
    quick.start(3)
    quick.advance([FileRecord("a", "other", "copied")] * 2)
    assert capsys.readouterr().err == ""
    slow = PlainProgress(interval=0.0)
    slow.start(3)
    slow.advance([FileRecord("a", "other", "copied")])
    assert capsys.readouterr().err == "porter port: 1/3 files, 0 failed, 0s\n"


def _disk_full_for(monkeypatch, names: set[str]) -> None:
    """porter.atomic's writer hits ENOSPC for the files named ``names``."""
    from porter import atomic

    real = atomic.write_atomic

    def write_atomic(path, fill, mode=None):
        if Path(path).name in names:
            def fill_until_full(stream):
                stream.write(b"partial")
                raise OSError(errno.ENOSPC, "No space left on device")

            return real(path, fill_until_full, mode)
        return real(path, fill, mode)

    monkeypatch.setattr(atomic, "write_atomic", write_atomic)


def test_a_full_disk_stops_with_exit_1_and_names_the_condition(tree: Path, tmp_path: Path, capsys, monkeypatch):
    out = tmp_path / "out"
    _disk_full_for(monkeypatch, {"reduce.cu"})
    outcome = run_porter(["port", tree, "--to", "hip", "--out", out, "-j", "1"], capsys, monkeypatch)
    assert outcome.code == 1
    assert outcome.err.startswith("porter: stopped after ")
    assert "stopped: " in outcome.err and "error[P0042]: disk full" in outcome.err
    assert "run again to finish" in outcome.err and "Traceback" not in outcome.err
    assert json.loads((out / "report.json").read_text())["stopped"]["id"] == "P0042"


def test_reports_that_cannot_be_written_still_fail_the_run(tree: Path, tmp_path: Path, capsys, monkeypatch):
    _disk_full_for(monkeypatch, {"report.json"})
    outcome = run_porter(["port", tree, "--to", "hip", "--out", tmp_path / "out", "-j", "1"], capsys, monkeypatch)
    assert outcome.code == 1
    assert "porter: error[P0042]: disk full" in outcome.err and "porter: ported 7 files" in outcome.err
    assert (tmp_path / "out" / ".porter-manifest.json").is_file()  # the work done is kept


def test_colliding_outputs_are_listed_in_the_report(tmp_path: Path, capsys, monkeypatch):
    tree = tmp_path / "src"
    tree.mkdir()
    for name in ("k.cu", "k.cuh"):
        (tree / name).write_text("__global__ void k(float* x) { x[threadIdx.x] = 1.0f; }\n")
    out = tmp_path / "out"
    outcome = run_porter(["port", tree, "--to", "triton", "--out", out, "-j", "1"], capsys, monkeypatch)
    assert outcome.code == 0, outcome.err
    assert sorted(p.name for p in out.glob("k*.py")) == ["k_cu.py", "k_cuh.py"]
    assert "## Renamed outputs" in (out / "report.md").read_text()
