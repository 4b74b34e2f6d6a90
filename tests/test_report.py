"""report.json, report.md and the summary lines of a tree port (porter.report)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from porter.port import STATUSES, port_tree
from porter.report import format_diagnostic, report_json, report_markdown, summary_lines
from tests.cli.trees import make_tree


@pytest.fixture
def run(tmp_path: Path):
    tree = make_tree(tmp_path / "src")
    (tree / "bad.cu").write_bytes(b"\x00binary")
    return port_tree(tree, tmp_path / "out", "hip", jobs=1, hip_version="5.2")


def test_report_json_is_written_and_complete(run):
    data = json.loads((run.output / "report.json").read_text())
    assert data == json.loads(json.dumps(report_json(run)))
    assert {"format", "porter", "source", "output", "target", "options", "jobs", "started", "seconds",
            "summary", "files"} <= set(data)
    assert data["target"] == "hip" and data["options"]["hip_version"] == "5.2"
    summary = data["summary"]
    assert summary["files"] == len(data["files"]) == 8
    assert sum(summary[status] for status in STATUSES) == summary["files"]
    assert summary["failed"] == 1 and summary["ok"] is False
    assert summary["edits"] == sum(f["edits"] for f in data["files"])
    assert summary["lines"] > 0 and summary["lines_per_second"] > 0


def test_report_json_lists_each_file_with_status_edits_and_diagnostics(run):
    files = {f["path"]: f for f in json.loads((run.output / "report.json").read_text())["files"]}
    assert [f for f in files] == sorted(files)
    warp = files["kernels/warp32.cu"]
    assert warp["status"] == "translated" and warp["edits"] > 0
    diagnostic = next(d for d in warp["diagnostics"] if d["id"] == "P0210")
    assert {"file", "line", "col", "id", "severity", "message", "hint"} <= set(diagnostic)
    assert (diagnostic["file"], diagnostic["line"], diagnostic["severity"]) == ("kernels/warp32.cu", 4, "error")
    bad = files["bad.cu"]
    assert bad["status"] == "failed" and bad["diagnostics"][0]["id"] == "P0005" and "binary" in bad["reason"]
    assert files["README.md"]["status"] == "copied"


def test_report_md_has_the_summary_the_failures_and_every_file(run):
    text = (run.output / "report.md").read_text()
    assert text.startswith("# porter port report: hip")
    assert "| translated | unchanged | copied | up-to-date | skipped | failed |" in text
    assert "## Files not ported" in text and "`bad.cu`: failed" in text
    for record in run.records:
        assert f"| `{record.path}` | {record.status} |" in text
    assert "kernels/warp32.cu:4:" in text and "error[P0210]" in text
    assert text == report_markdown(run) + "\n"


def test_format_diagnostic_shows_the_position_it_has():
    full = {"file": "a.cu", "line": 3, "col": 7, "id": "P0210", "severity": "error", "message": "m", "hint": "h"}
    assert format_diagnostic(full, markdown=False) == "a.cu:3:7: error[P0210]: m (hint: h)"
    bare = dict(full, line=None, col=None, hint=None)
    assert format_diagnostic(bare, markdown=False) == "a.cu: error[P0210]: m"
    assert format_diagnostic(dict(bare, message="a | b")) == "a.cu: error[P0210]: a \\| b"


def test_summary_lines(run):
    lines = summary_lines(run, report_paths=(run.output / "report.json",))
    assert lines[0].startswith("porter: ported 8 files from ") and "(hip, -j 1)" in lines[0]
    assert "1 failed" in lines[1] and "translated" in lines[1] and "copied" in lines[1]
    assert "edits" in lines[2] and "errors" in lines[2]
    assert "lines/s" in lines[3]
    assert any(line.startswith("  failed: bad.cu: error[P0005]") for line in lines)
    assert lines[-1].startswith("  report: ")


def test_reports_survive_file_names_that_are_not_utf8(tmp_path: Path):
    tree = make_tree(tmp_path / "src")
    try:
        with open(bytes(tree) + b"/caf\xe9.cu", "wb") as stream:
            stream.write(b"__global__ void k() {}\n")
    except (OSError, UnicodeError):
        pytest.skip("this file system wants UTF-8 names")
    run = port_tree(tree, tmp_path / "out", "hip", jobs=1)
    assert run.ok
    assert "caf\ufffd.cu" in (tmp_path / "out" / "report.md").read_text()
    json.loads((tmp_path / "out" / "report.json").read_text())


EXPECTED = Path(__file__).parent / "expected"


@pytest.fixture
def kernel_run(tmp_path: Path, monkeypatch):
    """A Triton port of a tree whose three.cu has a kernel porter crashes on (``boom``, injected)
    and whose two.cu has a kernel porter refuses."""
    from tests.test_result_kernels import REFUSED_KERNEL, THREE, _boom_on_emit

    _boom_on_emit(monkeypatch, "triton")
    tree = tmp_path / "src"
    (tree / "lib").mkdir(parents=True)
    (tree / "lib" / "three.cu").write_text(THREE)
    (tree / "two.cu").write_text(REFUSED_KERNEL)
    (tree / "README.md").write_text("not a source\n")
    return port_tree(tree, tmp_path / "out", "triton", jobs=1)


def test_report_json_lists_each_kernel_with_its_verdict(kernel_run):
    data = json.loads((kernel_run.output / "report.json").read_text())
    files = {f["path"]: f for f in data["files"]}
    assert files["lib/three.cu"]["kernels"] == [
        {"name": "good", "line": 1, "verdict": "ported", "diagnostics": []},
        {"name": "boom", "line": 6, "verdict": "internal-error", "diagnostics": ["P0060"]},
        {"name": "also_good", "line": 11, "verdict": "ported", "diagnostics": []}]
    assert files["two.cu"]["kernels"][1] == {"name": "trapped", "line": 3, "verdict": "refused",
                                             "diagnostics": ["P0401"]}
    assert files["README.md"]["kernels"] == []
    assert data["summary"]["kernels"] == {"found": 5, "ported": 3, "refused": 1, "internal-error": 1}
    assert files["lib/three.cu"]["status"] == "translated"  # the file is ported, less its broken kernel


def test_report_md_has_the_kernel_totals_and_rows(kernel_run):
    text = (kernel_run.output / "report.md").read_text()
    body = text[text.index("\n## "):].lstrip("\n")
    assert body == (EXPECTED / "report_kernels.md").read_text()


def test_summary_lines_count_the_kernels(kernel_run):
    assert "  kernels: 5 found, 3 ported, 1 refused, 1 internal errors" in summary_lines(kernel_run)


def test_an_up_to_date_file_keeps_its_kernels(kernel_run):
    again = port_tree(kernel_run.source, kernel_run.output, "triton", jobs=1)
    assert {r.status for r in again.records if r.kind == "source"} == {"up-to-date"}
    assert report_json(again)["summary"]["kernels"] == report_json(kernel_run)["summary"]["kernels"]
