"""Progress of long ``porter port`` and ``porter check`` runs where stderr is not a terminal.

The tests shorten the interval between lines with ``PORTER_PROGRESS_INTERVAL=0`` (a line per
finished item); by default a line comes at most every 10 seconds.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from porter.cli.progress import LineProgress, elapsed, progress_interval
from tests.cli.trees import make_tree, run_porter

LINE = re.compile(r"^(porter port|porter check): (\d+)/(\d+) (files|cases), (\d+) failed, \d+(m\d\ds)?s?$")


def _progress_lines(err: str, label: str) -> list[tuple[int, int, int]]:
    found = []
    for line in err.splitlines():
        match = LINE.match(line)
        if match and match.group(1) == label:
            found.append((int(match.group(2)), int(match.group(3)), int(match.group(5))))
    return found


def test_port_prints_progress_lines_when_stderr_is_not_a_terminal(tmp_path: Path, capsys, monkeypatch):
    tree = make_tree(tmp_path / "src")
    (tree / "broken.cu").write_bytes(b"\x7fELF\x00\x00\x01\x02" * 10)  # fails: counted in the lines
    monkeypatch.setenv("PORTER_PROGRESS_INTERVAL", "0")
    outcome = run_porter(["port", tree, "--to", "hip", "--out", tmp_path / "out", "-j", "1"], capsys, monkeypatch)
    assert outcome.code == 1  # broken.cu failed, the rest was ported
    lines = _progress_lines(outcome.err, "porter port")
    assert [done for done, _, _ in lines] == list(range(1, 8))  # a line per file but the last (the summary follows)
    assert {total for _, total, _ in lines} == {8}
    failed = [f for _, _, f in lines]
    assert failed == sorted(failed) and failed[-1] == 1  # broken.cu's failure is counted once it is done


def test_check_prints_progress_lines_when_stderr_is_not_a_terminal(tmp_path: Path):
    environment = {**os.environ, "PORTER_PROGRESS_INTERVAL": "0"}
    done = subprocess.run([sys.executable, "-m", "porter", "check", "--backend", "nki", "--case", "s[ai]*/*",
                           "--build-dir", str(tmp_path / "build"), "--format", "json", "-o", str(tmp_path / "r.json")],
                          capture_output=True, text=True, env=environment, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = _progress_lines(done.stderr, "porter check")
    # saxpy, sigmoid and silu, two cases each: a line as each of the first two kernels finishes
    assert [(d, t) for d, t, _ in lines] == [(2, 6), (4, 6)], done.stderr
    assert all(failed == 0 for _, _, failed in lines)


def test_lines_come_once_both_the_interval_and_the_count_have_passed():
    now = [0.0]
    printed: list[str] = []
    progress = LineProgress("porter check", "cases", interval=10, every=3, echo=printed.append, clock=lambda: now[0])
    progress.start(100)
    for _ in range(5):
        now[0] += 1
        progress.step(1)
    assert printed == []  # 5 cases, but only 5 seconds
    now[0] = 30
    progress.step(1, failed=1)
    assert printed == ["porter check: 6/100 cases, 1 failed, 30s"]
    now[0] = 100
    progress.step(2)
    assert len(printed) == 1  # 70 seconds, but 2 cases since the last line
    progress.step(1)
    assert printed[-1] == "porter check: 9/100 cases, 1 failed, 1m40s"


@pytest.mark.parametrize(("value", "seconds"), [("", 10.0), ("0", 0.0), ("2.5", 2.5), ("soon", 10.0), ("-1", 10.0)])
def test_the_interval_comes_from_the_environment(monkeypatch, value: str, seconds: float):
    monkeypatch.setenv("PORTER_PROGRESS_INTERVAL", value)
    assert progress_interval() == seconds


def test_elapsed_reads_like_a_clock():
    assert [elapsed(s) for s in (9, 130, 3725)] == ["9s", "2m10s", "1h02m"]
