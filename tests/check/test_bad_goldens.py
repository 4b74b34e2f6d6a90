"""`porter check` on broken goldens: each gives `error` for its own case, with the reason, and the run
goes on (the kernel's other case still runs and passes; exit code 1, never 70 or 130).

The checks run on the NKI backend (porter's own model, pure Python: the cheapest backend to run).
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from porter.check.machine import Machine
from porter.check.records import ERROR, PASS
from porter.check.run import check
from porter.golden.store import case_paths, default_store

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "kernels"
KERNEL, BROKEN, OTHER = "saxpy", "n1000", "n4096"


def _truncate(npz: Path, json_path: Path) -> None:
    npz.write_bytes(npz.read_bytes()[: npz.stat().st_size // 2])


def _empty(npz: Path, json_path: Path) -> None:
    npz.write_bytes(b"")


def _flip_a_bit(npz: Path, json_path: Path) -> None:
    data = bytearray(npz.read_bytes())
    data[len(data) // 2] ^= 0x10
    npz.write_bytes(bytes(data))


def _zero_outputs(npz: Path, json_path: Path) -> None:
    """A valid npz, of the right shapes and dtypes, with every output zero."""
    with np.load(npz) as data:
        arrays = {k: (np.zeros_like(data[k]) if k.startswith("output/") else data[k]) for k in data.files}
    stream = io.BytesIO()
    np.savez_compressed(stream, **arrays)
    npz.write_bytes(stream.getvalue())


def _drop_json(npz: Path, json_path: Path) -> None:
    json_path.unlink()


def _garble_json(npz: Path, json_path: Path) -> None:
    json_path.write_text(json_path.read_text()[:200])


#: how a golden is broken -> what the reason must say
BREAKAGES = {
    "truncated": (_truncate, "saxpy/n1000.npz cannot be read as an npz archive (truncated or corrupted)"),
    "empty": (_empty, "saxpy/n1000.npz is empty (0 bytes)"),
    "bit-flipped": (_flip_a_bit, "saxpy/n1000.npz cannot be read as an npz archive (truncated or corrupted): "
                                 "BadZipFile: Bad CRC-32"),
    "all-zero": (_zero_outputs, "saxpy/n1000.npz does not match its data hash"),
    "missing json": (_drop_json, "saxpy/n1000.json (the provenance) is missing"),
    "json not JSON": (_garble_json, "saxpy/n1000.json is not valid JSON"),
}


@pytest.fixture()
def corpus(tmp_path) -> Path:
    """A copy of one golden kernel, its spec and its recorded cases."""
    folder = tmp_path / "kernels"
    folder.mkdir()
    for suffix in (".toml", ".cu"):
        shutil.copy(GOLDEN / f"{KERNEL}{suffix}", folder / f"{KERNEL}{suffix}")
    shutil.copytree(default_store(GOLDEN / f"{KERNEL}.toml") / KERNEL, default_store(folder / "x.toml") / KERNEL)
    return folder


def _break(corpus: Path, how: str) -> None:
    BREAKAGES[how][0](*case_paths(default_store(corpus / f"{KERNEL}.toml"), KERNEL, BROKEN))


def _assert_error_for_one_case_only(records: list[dict]) -> None:
    broken = [r for r in records if r["case"] == f"{KERNEL}/{BROKEN}"]
    others = [r for r in records if r["case"] == f"{KERNEL}/{OTHER}"]
    assert broken and all(r["status"] == ERROR for r in broken), broken
    assert any(r["status"] == PASS for r in others), others  # the other case ran, and passed
    assert not any(r["status"] == ERROR for r in others), others


@pytest.mark.parametrize("how", sorted(BREAKAGES))
def test_a_bad_golden_is_an_error_for_its_case_and_the_run_goes_on(corpus, tmp_path, how):
    _break(corpus, how)
    records = [r.to_json() for r in check([corpus], ["nki"], machine=Machine(tmp_path / "build"))]
    _assert_error_for_one_case_only(records)
    detail = next(r["detail"] for r in records if r["case"] == f"{KERNEL}/{BROKEN}")
    assert BREAKAGES[how][1] in detail, detail


@pytest.mark.parametrize("how", ["truncated", "empty"])
def test_the_cli_exits_1_with_the_reason(corpus, tmp_path, how):
    """Through ``python -m porter check``: exit code 1 (not 70, an internal error; not 130, 'interrupted')."""
    _break(corpus, how)
    report = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-m", "porter", "check", str(corpus), "--backend", "nki",
                           "--build-dir", str(tmp_path / "build"), "--json", str(report)],
                          capture_output=True, text=True, timeout=300, check=False,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 1, done.stderr
    records = json.loads(report.read_text())["records"]
    _assert_error_for_one_case_only(records)
    assert BREAKAGES[how][1] in next(r["detail"] for r in records if r["case"] == f"{KERNEL}/{BROKEN}")
