"""``porter translate``: bad input gives one clear line with a diagnostic id, exit code 2, no traceback,
and no output file (whole or partial)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.cli.trees import KERNEL, run_porter, temporary_files


def assert_clean_error(outcome, diag_id: str) -> None:
    assert outcome.code == 2, outcome.err
    first = outcome.err.splitlines()[0]
    assert first.startswith(f"porter: error[{diag_id}]: "), outcome.err
    assert "Traceback" not in outcome.err + outcome.out
    assert outcome.out == ""


def byte_soup() -> str:
    """Valid UTF-8 that is nothing like code (what a JPEG read as Latin-1 and saved as UTF-8 looks like)."""
    rng = random.Random(7)
    return "".join(chr(rng.randint(0xA0, 0x2FF)) for _ in range(400)) + "\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_translates_a_file_to_stdout(workdir, capsys, monkeypatch):
    (workdir / "k.cu").write_text(KERNEL)
    outcome = run_porter(["translate", "k.cu", "--to", "hip"], capsys, monkeypatch)
    assert outcome.code == 0
    assert "hipMalloc" in outcome.out and "cudaMalloc" not in outcome.out


def test_writes_the_output_file(workdir, capsys, monkeypatch):
    (workdir / "k.cu").write_text(KERNEL)
    outcome = run_porter(["translate", "k.cu", "--to", "hip", "-o", "out/k.hip"], capsys, monkeypatch)
    assert outcome.code == 0 and outcome.out == ""
    assert "hipMalloc" in (workdir / "out" / "k.hip").read_text()
    assert temporary_files(workdir) == []


@pytest.mark.parametrize("case, diag_id", [
    ("missing", "P0001"), ("directory", "P0002"), ("binary", "P0005")])
def test_bad_input_is_one_clear_error(workdir, capsys, monkeypatch, case, diag_id):
    path = workdir / f"{case}.cu"
    if case == "directory":
        path.mkdir()
    elif case == "binary":
        path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
    outcome = run_porter(["translate", path.name, "--to", "hip", "-o", "out.hip"], capsys, monkeypatch)
    assert_clean_error(outcome, diag_id)
    assert path.name in outcome.err
    assert not (workdir / "out.hip").exists() and temporary_files(workdir) == []


def test_non_utf8_source_is_ported_byte_for_byte(workdir, capsys, monkeypatch):
    (workdir / "latin1.cu").write_bytes(b"int a;\nint b;\n// caf\xe9 \x93cp1252\x94\nvoid f() { cudaDeviceSynchronize(); }\n")
    outcome = run_porter(["translate", "latin1.cu", "--to", "hip", "-o", "out.hip"], capsys, monkeypatch)
    assert outcome.code == 0
    assert "latin1.cu:3:7: note[P0285]" in outcome.err and "byte 0xe9" in outcome.err
    assert (workdir / "out.hip").read_bytes().endswith(
        b"// caf\xe9 \x93cp1252\x94\nvoid f() { hipDeviceSynchronize(); }\n")


def test_empty_file_is_a_warning_and_an_empty_output(workdir, capsys, monkeypatch):
    (workdir / "empty.cu").write_text("")
    outcome = run_porter(["translate", "empty.cu", "--to", "hip", "-o", "empty.hip"], capsys, monkeypatch)
    assert outcome.code == 0
    assert "warning[P0007]" in outcome.err and "Traceback" not in outcome.err
    assert (workdir / "empty.hip").read_text() == ""


@pytest.mark.parametrize("text", [byte_soup(), "the quick brown fox, jumps { over the lazy dog\n"],
                         ids=["byte-soup", "prose"])
def test_code_that_does_not_parse_is_reported_not_translated(workdir, capsys, monkeypatch, text):
    # One file that is not CUDA at all is bad input: exit 2, nothing written. (`porter port` still
    # copies such files, e.g. X-macro lists that parse only where they are #included.)
    (workdir / "junk.cu").write_text(text)
    outcome = run_porter(["translate", "junk.cu", "--to", "hip", "-o", "junk.hip"], capsys, monkeypatch)
    assert outcome.err.startswith("junk.cu:1:"), outcome.err
    assert "error[P0102]" in outcome.err.splitlines()[0]
    assert "Traceback" not in outcome.err
    assert outcome.code == 2
    assert not (workdir / "junk.hip").exists()


def test_unwritable_output_is_one_clear_error(workdir, capsys, monkeypatch):
    (workdir / "k.cu").write_text(KERNEL)
    (workdir / "afile").write_text("not a folder\n")
    outcome = run_porter(["translate", "k.cu", "--to", "hip", "-o", "afile/sub/k.hip"], capsys, monkeypatch)
    assert_clean_error(outcome, "P0008")
    assert temporary_files(workdir) == []


def test_output_over_the_input_is_refused(workdir, capsys, monkeypatch):
    (workdir / "k.cu").write_text(KERNEL)
    outcome = run_porter(["translate", "k.cu", "--to", "hip", "-o", "k.cu"], capsys, monkeypatch)
    assert_clean_error(outcome, "P0009")
    assert (workdir / "k.cu").read_text() == KERNEL


def test_bad_option_value_is_a_usage_error(workdir, capsys, monkeypatch):
    (workdir / "k.cu").write_text(KERNEL)
    outcome = run_porter(["translate", "k.cu", "--to", "hip", "--hip-version", "six"], capsys, monkeypatch)
    assert outcome.code == 2
    assert "bad HIP version 'six'" in outcome.err and "Traceback" not in outcome.err


def test_internal_value_error_is_an_internal_error_not_a_usage_error(workdir, capsys, monkeypatch):
    from porter.backends.hip import BACKEND

    def broken(source, options):
        raise ValueError("an invariant porter relies on broke")

    monkeypatch.setattr(BACKEND, "translate", broken)
    (workdir / "k.cu").write_text(KERNEL)
    outcome = run_porter(["translate", "k.cu", "--to", "hip"], capsys, monkeypatch)
    assert outcome.code == 70, outcome.err
    assert "internal error in porter, please report: ValueError: an invariant" in outcome.err
    assert "Usage:" not in outcome.err and "Invalid value" not in outcome.err


def test_bad_option_value_is_still_a_usage_error(workdir, capsys, monkeypatch):
    (workdir / "k.cu").write_text(KERNEL)
    outcome = run_porter(["translate", "k.cu", "--to", "hip", "--hip-version", "nine"], capsys, monkeypatch)
    assert outcome.code == 2
    assert "bad HIP version 'nine'" in outcome.err


def test_a_device_is_refused(workdir, capsys, monkeypatch):
    outcome = run_porter(["translate", "/dev/null", "--to", "hip"], capsys, monkeypatch)
    assert_clean_error(outcome, "P0030")
