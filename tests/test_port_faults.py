"""``porter port`` under faults: SIGKILL at random points, a full disk, workers orphaned by their parent.

The kill test ports a generated tree of a few hundred small files with ``-j 2`` in a subprocess,
kills it with SIGKILL at seeded random points five times in a row (each run resumes the last),
and then lets a run finish. After each kill, every output present is byte-identical to a clean
run's (temporary ``.*.porter.tmp`` files may remain after a kill: the next run removes them), and
no worker of the killed run is still alive a moment later. The finishing run re-ports only what
the journal did not record.

Longer campaign (more files, more kills, several seeds)::

    PORTER_KILL_CAMPAIGN=1 python -m pytest -q -p no:xdist tests/test_port_faults.py

with ``PORTER_KILL_FILES`` (default 2000), ``PORTER_KILL_ROUNDS`` (default 20) and
``PORTER_KILL_SEEDS`` (default 5) to size it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from porter import port as engine
from porter.atomic import is_temporary
from porter.port import FAILED, JOURNAL_NAME, MANIFEST_NAME, UP_TO_DATE, load_manifest
from tests.cli.trees import KERNEL, temporary_files

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs Linux (/proc, fork, SIGKILL)")

ROOT = Path(__file__).resolve().parents[1]
PORTER_FILES = frozenset({MANIFEST_NAME, JOURNAL_NAME, "report.json", "report.md"})


def generate(root: Path, files: int, seed: int) -> int:
    """``files`` small files under ``root``: mostly CUDA kernels, some headers and plain files."""
    rng = random.Random(seed)
    for index in range(files):
        folder = root / f"area{index % 7}" / f"part{index % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        choice = rng.random()
        if choice < 0.7:
            variant = f"// variant {rng.randint(0, 10**6)}\n"
            body = KERNEL.replace("reduce", f"reduce{index}") + variant * rng.randint(1, 40)
            (folder / f"k{index}.cu").write_text(body)
        elif choice < 0.85:
            (folder / f"h{index}.cuh").write_text(f"#pragma once\n__device__ inline float f{index}(float x) "
                                                  f"{{ return x * {index}.0f; }}\n")
        else:
            (folder / f"notes{index}.txt").write_bytes(rng.randbytes(rng.randint(0, 4096)))
    return files


def outputs(out: Path) -> dict[str, bytes]:
    """Every file porter wrote for the tree (not its own bookkeeping, not temporary files)."""
    found = {}
    for path in out.rglob("*"):
        relative = path.relative_to(out).as_posix()
        if path.is_file() and relative not in PORTER_FILES and not is_temporary(path.name):
            found[relative] = path.read_bytes()
    return found


def children(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def journal_lines(out: Path) -> int:
    try:
        return (out / JOURNAL_NAME).read_bytes().count(b"\n")
    except OSError:
        return 0


def porter_command(source: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "porter", "port", str(source), "--to", "hip", "--out", str(out), "-j", "2"]


def kill_campaign(tmp_path: Path, files: int, rounds: int, seed: int) -> None:
    source = tmp_path / "src"
    generate(source, files, seed)
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    clean = tmp_path / "clean"
    clock = time.monotonic()
    subprocess.run(porter_command(source, clean), env=environment, check=True, capture_output=True, timeout=300)
    clean_seconds = time.monotonic() - clock
    reference = outputs(clean)
    assert len(reference) == files

    rng = random.Random(seed)
    out = tmp_path / "out"
    killed_workers: list[int] = []
    for round_ in range(rounds):
        process = subprocess.Popen(porter_command(source, out), env=environment, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        start_lines = journal_lines(out)
        # Kill once the run has journaled a random share of what is left, plus a random moment more
        # (or, while no journal shows up at all, after a random part of a clean run's time).
        remaining = files - len(load_manifest(out)) if out.exists() else files
        wanted = start_lines + rng.randint(1, max(1, remaining // 3))
        started = time.monotonic()
        fallback = rng.uniform(0.5, 1.0) * clean_seconds
        while process.poll() is None and journal_lines(out) < wanted and time.monotonic() - started < 60:
            if not (out / JOURNAL_NAME).exists() and time.monotonic() - started > fallback:
                break
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.03))
        workers = children(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        killed_workers += workers
        time.sleep(0.5)
        survivors = [pid for pid in workers if alive(pid)]
        assert survivors == [], f"round {round_}: workers {survivors} outlived their parent"
        for relative, data in outputs(out).items():
            assert data == reference[relative], f"round {round_}: {relative} differs from a clean run's"
    assert killed_workers, "no kill landed while the pool was running"

    journaled = load_manifest(out)
    current = {path for path, entry in journaled.items()
               if (out / path).is_file() and list(engine._stat(out / path)) == entry.get("output")}
    assert current, "no file was journaled before the kills"
    final = subprocess.run(porter_command(source, out), env=environment, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    summary = json.loads((out / "report.json").read_text())["summary"]
    assert summary[UP_TO_DATE] == len(current)  # the rerun did only the rest
    assert summary["files"] == files and summary[FAILED] == 0
    assert outputs(out) == reference
    assert temporary_files(out) == [] and not (out / JOURNAL_NAME).exists()


def test_killed_runs_resume_and_never_leave_a_partial_output(tmp_path: Path):
    kill_campaign(tmp_path, files=300, rounds=5, seed=24)


@pytest.mark.skipif(not os.environ.get("PORTER_KILL_CAMPAIGN"), reason="long campaign: set PORTER_KILL_CAMPAIGN=1")
def test_kill_campaign(tmp_path: Path):
    files = int(os.environ.get("PORTER_KILL_FILES", "2000"))
    rounds = int(os.environ.get("PORTER_KILL_ROUNDS", "20"))
    for seed in range(int(os.environ.get("PORTER_KILL_SEEDS", "5"))):
        kill_campaign(tmp_path / f"seed{seed}", files, rounds, seed)
