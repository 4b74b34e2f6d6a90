import pytest

from porter.edits import EditConflict, EditSet


def test_no_edits_is_byte_identical():
    data = "int  x;  // ünïcode\n".encode()
    assert EditSet(data).apply() == data.decode()


def test_replace_and_insert_in_order():
    edits = EditSet(b"abcdef")
    edits.replace(2, 4, "XY", "r")
    edits.insert(0, "<", "i")
    edits.insert(0, "<<", "i")
    edits.insert(6, ">", "i")
    assert edits.apply() == "<<<abXYef>"


def test_unchanged_replacement_is_not_an_edit():
    edits = EditSet(b"abc")
    assert edits.replace(0, 1, "a", "r") is None
    assert len(edits) == 0


def test_overlap_is_detected():
    edits = EditSet(b"abcdef")
    edits.replace(1, 4, "x", "r")
    assert edits.overlaps(3, 5) and edits.overlaps(0, 2) and not edits.overlaps(4, 6)
    assert edits.overlaps(2, 2)  # an insertion strictly inside a replaced range
    assert not edits.overlaps(1, 1) and not edits.overlaps(4, 4)
    with pytest.raises(EditConflict):
        edits.replace(2, 3, "y", "r")


def test_multibyte_text():
    data = "é = cudaMalloc;".encode()
    start = data.index(b"cudaMalloc")
    edits = EditSet(data)
    edits.replace(start, start + len("cudaMalloc"), "hipMalloc", "rename")
    assert edits.apply() == "é = hipMalloc;"


def test_an_insertion_at_the_start_of_an_earlier_replacement_keeps_the_replacement():
    edits = EditSet(b"a\nremove me\nb\n")
    edits.replace(2, 12, "", "drop")
    edits.insert(2, "inserted\n", "add")
    assert edits.apply() == "a\ninserted\nb\n"
