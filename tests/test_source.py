import os
import threading
from pathlib import Path

import pytest

from porter.source import InputError, SourceFile, load_source, read_source_file


def test_positions_are_one_based_and_count_characters():
    source = SourceFile("x.cu", "ab\nçd e\n")
    offset = source.data.index(b"e")
    assert source.position(0) == (1, 1)
    assert source.position(offset) == (2, 4)
    span = source.span(offset, offset + 1)
    assert (span.line, span.col, span.end_col) == (2, 4, 5)


def test_string_is_source_text_path_is_file(tmp_path):
    path = tmp_path / "k.cu"
    path.write_text("__global__ void k() {}\n")
    assert load_source(str(path)).name == str(path)
    assert load_source("__global__ void k() {}\n").name == "<string>"
    assert load_source(path).text.startswith("__global__")


@pytest.mark.parametrize("make, diag_id", [
    (lambda p: p / "missing.cu", "P0001"),
    (lambda p: p, "P0002"),
])
def test_bad_paths(tmp_path, make, diag_id):
    with pytest.raises(InputError) as raised:
        read_source_file(make(tmp_path))
    assert raised.value.diag_id == diag_id


def test_binary_and_non_utf8(tmp_path):
    binary = tmp_path / "b.cu"
    binary.write_bytes(b"\x7fELF\x00\x00\x01")
    latin = tmp_path / "l.cu"
    latin.write_bytes(b"// caf\xe9\nint x;\n")
    with pytest.raises(InputError) as raised:
        read_source_file(binary)
    assert raised.value.diag_id == "P0005"
    read = read_source_file(latin)  # 8-bit text is read byte for byte, never refused
    assert read.encoding == "latin-1" and read.text == "// caf\xe9\nint x;\n"
    assert read.encode(read.text) == latin.read_bytes()


def test_missing_paths_are_reported_as_missing_not_parsed_as_code(tmp_path):
    for text in (str(tmp_path / "my kernels" / "missing kernel.cu"), "kernels/missing"):
        with pytest.raises(InputError) as raised:
            load_source(text)
        assert raised.value.diag_id == "P0001"
    assert load_source("__global__ void k();").name == "<string>"


def test_device_is_refused_not_read():
    with pytest.raises(InputError) as raised:
        read_source_file(Path("/dev/null"))
    assert raised.value.diag_id == "P0030"
    assert "character device" in raised.value.message


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "k.cu"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            read_source_file(fifo)
        except BaseException as error:  # noqa: BLE001 - inspected below
            outcome.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=5)
    if reader.is_alive():  # unblock the reader's open so the thread ends
        with open(fifo, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert isinstance(outcome[0], InputError) and outcome[0].diag_id == "P0030"


def test_size_is_checked_on_what_is_read(monkeypatch):
    # /proc files are regular files whose st_size is 0 whatever they hold
    monkeypatch.setattr("porter.source.MAX_SOURCE_BYTES", 16)
    with pytest.raises(InputError) as raised:
        read_source_file(Path("/proc/self/maps"))
    assert raised.value.diag_id == "P0003"


@pytest.mark.parametrize("make", [lambda text: load_source(text), lambda text: SourceFile("k.cu", text)])
def test_lone_surrogate_is_an_input_error_with_its_place(make):
    with pytest.raises(InputError) as raised:
        make("__global__ void k() {}\n  int \ud800 = 0;\n")
    assert raised.value.diag_id == "P0031"
    assert "lone surrogate U+D800 at line 2 col 7" in raised.value.message
