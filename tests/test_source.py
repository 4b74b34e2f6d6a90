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
    with pytest.raises(InputError) as raised:
        read_source_file(latin)
    assert raised.value.diag_id == "P0006" and ":1:" in raised.value.message


def test_missing_paths_are_reported_as_missing_not_parsed_as_code(tmp_path):
    for text in (str(tmp_path / "my kernels" / "missing kernel.cu"), "kernels/missing"):
        with pytest.raises(InputError) as raised:
            load_source(text)
        assert raised.value.diag_id == "P0001"
    assert load_source("__global__ void k();").name == "<string>"
