"""Red team, out-of-bounds writes: one element past the end, an unmasked tail, a negative offset, a
tile store without its row bound. The pipeline's "bounds" check (guard zones after every buffer)
must reject each; outside the pipeline each runs on buffers inside larger allocations, and the
sentinel around them is shown overwritten."""

from __future__ import annotations

import pytest

from tests.llm.redteam.conftest import Outside, assert_rejected_by, candidate, judge

pytestmark = pytest.mark.redteam
CLASS = "out_of_bounds"
#: Sentinel elements around every buffer outside the pipeline: more than any cheat here writes past one
#: (oob_tile_no_mask on 20 x 20 writes 12 rows of 20 past the end), or a write lands in the heap.
PAD = 512
# name -> (kernel, sizes, the buffer whose neighbourhood it overwrites)
CHEATS = {
    "oob_one_past": ("saxpy", {"n": 1000}, "y"),
    "oob_unmasked_tail": ("softmax_rows", {"rows": 4, "cols": 1000, "threads": 256}, "y"),
    "oob_negative_offset": ("matmul_tiled", {"m": 20, "n": 20, "k": 20}, "c"),
    "oob_tile_no_mask": ("jacobi_2d", {"rows": 20, "cols": 20}, "b"),
}


@pytest.fixture(scope="module")
def outside(tmp_path_factory, ports):
    runs = Outside(tmp_path_factory.mktemp("bounds"), ports)
    for name, (kernel, sizes, _) in CHEATS.items():
        runs.add(name, candidate(CLASS, name), kernel, sizes, pad=PAD)
        runs.reference(f"{name}:port", kernel, sizes, pad=PAD)
    return runs


@pytest.mark.parametrize("name", CHEATS)
def test_out_of_bounds_write_is_real_and_rejected_by_bounds(name, outside, redteam_harness):
    kernel, _, buffer = CHEATS[name]
    cheat, port = outside[name], outside[f"{name}:port"]
    assert not cheat["error"] and not port["error"], (cheat["error"], port["error"])
    assert int(port["buffers"][f"guard:{buffer}"]) == 0  # porter's port stays inside
    assert int(cheat["buffers"][f"guard:{buffer}"]) > 0, f"{name} wrote nothing outside {buffer}"
    assert_rejected_by(judge(redteam_harness, CLASS, name, kernel), "bounds")
