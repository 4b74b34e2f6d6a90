"""Atomic writes (porter.atomic) and the append-only journal (porter.journal): what they replace,
what they refuse (links, FIFOs, devices), a full disk, and what a killed writer leaves behind.

The device case never touches a real device node: a regular file is made to look like one by
patching ``os.lstat`` for its path alone.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from porter import atomic
from porter.atomic import (DiskFullError, copy_atomic, is_stdout, is_temporary, remove_temporaries,
                           write_bytes_atomic, write_text_atomic)
from porter.journal import Journal, read_journal
from porter.source import InputError
from tests.cli.trees import run_porter

KERNEL = "__global__ void k(float* x) { x[threadIdx.x] = 1.0f; }\n"


def test_writes_a_new_file_and_replaces_a_regular_one_keeping_its_mode(tmp_path: Path):
    target = tmp_path / "sub" / "out.txt"
    write_text_atomic(target, "one\n")
    assert target.read_text() == "one\n"
    target.chmod(0o640)
    write_bytes_atomic(target, b"two\n")
    assert target.read_bytes() == b"two\n" and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["out.txt"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_symbolic_link_is_refused_and_left_alone(tmp_path: Path):
    (tmp_path / "target.txt").write_text("keep\n")
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "target.txt")
    with pytest.raises(InputError) as error:
        write_text_atomic(link, "new\n")
    assert error.value.diag_id == "P0040"
    assert link.is_symlink() and (tmp_path / "target.txt").read_text() == "keep\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_and_left_alone(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError) as error:
        write_text_atomic(fifo, "new\n")
    assert error.value.diag_id == "P0041" and "not a regular file" in error.value.message
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]  # no temporary file left


def test_a_device_node_is_refused_and_left_alone(tmp_path: Path, monkeypatch):
    device = tmp_path / "null"
    device.write_text("pretend device\n")
    real_lstat = os.lstat

    def lstat(path, *args, **kwargs):
        info = real_lstat(path, *args, **kwargs)
        if os.fspath(path) == os.fspath(device):  # this path alone looks like a character device
            return os.stat_result((stat.S_IFCHR | 0o666, *tuple(info)[1:]))
        return info

    monkeypatch.setattr(atomic.os, "lstat", lstat)
    with pytest.raises(InputError) as error:
        write_text_atomic(device, "new\n")
    assert error.value.diag_id == "P0041"
    assert device.read_text() == "pretend device\n"


def test_a_folder_is_refused(tmp_path: Path):
    with pytest.raises(InputError) as error:
        write_text_atomic(tmp_path, "x")
    assert error.value.diag_id == "P0008"


def test_a_full_disk_is_its_own_error_and_leaves_no_temporary_file(tmp_path: Path):
    def fill(stream):
        stream.write(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    (tmp_path / "out.txt").write_text("old\n")
    with pytest.raises(DiskFullError) as error:
        atomic.write_atomic(tmp_path / "out.txt", fill)
    assert error.value.diag_id == "P0042" and "disk full" in error.value.message
    assert (tmp_path / "out.txt").read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_copy_keeps_bytes_and_mode(tmp_path: Path):
    source = tmp_path / "tool.sh"
    source.write_bytes(b"#!/bin/sh\n\x00\xff")
    source.chmod(0o750)
    copy_atomic(source, tmp_path / "out" / "tool.sh")
    copied = tmp_path / "out" / "tool.sh"
    assert copied.read_bytes() == source.read_bytes() and stat.S_IMODE(copied.stat().st_mode) == 0o750


def test_temporary_files_are_recognised_and_removed(tmp_path: Path):
    (tmp_path / "a").mkdir()
    left = [tmp_path / ".k.cu.ab12_x9z.porter.tmp", tmp_path / "a" / ".x.py.00000000.porter.tmp"]
    kept = [tmp_path / "k.cu", tmp_path / ".hidden.tmp", tmp_path / "a" / ".y.py.11111111.porter.tmp"]
    for path in left + kept:
        path.write_text("x")
    assert remove_temporaries(tmp_path, keep=lambda relative: relative == "a/.y.py.11111111.porter.tmp") == 2
    assert not any(p.exists() for p in left) and all(p.exists() for p in kept)
    assert is_temporary(".k.cu.ab12_x9z.porter.tmp") and not is_temporary("k.porter.tmp")


def test_stdout_names():
    assert is_stdout("-") and is_stdout(Path("/dev/stdout")) and not is_stdout("out.cu")


def test_journal_ignores_a_line_cut_short_and_goes_on_after_it(tmp_path: Path):
    path = tmp_path / "journal.jsonl"
    with Journal(path) as journal:
        journal.append({"path": "a"})
        journal.append({"path": "b"})
    with path.open("ab") as stream:
        stream.write(b'{"path": "c", "ent')  # a writer killed mid-line
    assert read_journal(path) == [{"path": "a"}, {"path": "b"}]
    with Journal(path) as journal:
        journal.append({"path": "d"})
    assert read_journal(path) == [{"path": "a"}, {"path": "b"}, {"path": "d"}]
    assert read_journal(tmp_path / "missing") == []


def test_journal_lines_are_synced(tmp_path: Path, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    journal = Journal(tmp_path / "j.jsonl", sync_interval=0.0)
    synced.clear()
    journal.append({"path": "a"})
    journal.append({"path": "b"})
    assert len(synced) == 2
    journal.close()


# --- `porter translate -o`: write through for stdout, refuse what is not a regular file ---------


@pytest.fixture
def kernel(tmp_path: Path) -> Path:
    path = tmp_path / "k.cu"
    path.write_text(KERNEL)
    return path


@pytest.mark.parametrize("name", ["-", "/dev/stdout"])
def test_translate_to_stdout_writes_through(kernel: Path, tmp_path: Path, capsys, monkeypatch, name: str):
    monkeypatch.chdir(tmp_path)
    outcome = run_porter(["translate", kernel, "--to", "hip", "-o", name], capsys, monkeypatch)
    assert outcome.code == 0, outcome.err
    assert "__global__ void k" in outcome.out
    assert not (tmp_path / "-").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_translate_onto_a_fifo_or_a_link_is_refused(kernel: Path, tmp_path: Path, capsys, monkeypatch):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "target.cu").write_text("keep\n")
    (tmp_path / "link.cu").symlink_to(tmp_path / "target.cu")
    for output, diag_id in ((fifo, "P0041"), (tmp_path / "link.cu", "P0040")):
        outcome = run_porter(["translate", kernel, "--to", "hip", "-o", output], capsys, monkeypatch)
        assert outcome.code == 2 and f"error[{diag_id}]" in outcome.err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and (tmp_path / "link.cu").is_symlink()
    assert (tmp_path / "target.cu").read_text() == "keep\n"


def test_translate_onto_dev_null_leaves_the_device(kernel: Path):
    # In a subprocess, and only after the refusal is in place (checked just above with a FIFO).
    if not os.path.exists("/dev/null") or not stat.S_ISCHR(os.lstat("/dev/null").st_mode):
        pytest.skip("no /dev/null character device")
    with pytest.raises(InputError):  # the check that protects the device, before any real write
        atomic.check_destination(Path("/dev/null"))
    done = subprocess.run([sys.executable, "-m", "porter", "translate", str(kernel), "--to", "hip", "-o", "/dev/null"],
                          capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    assert done.returncode == 2 and "error[P0041]" in done.stderr
