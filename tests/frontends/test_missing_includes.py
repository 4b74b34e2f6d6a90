"""Missing includes: only those the preprocessor may reach are errors (P0050), and the hint says
what to pass; the tile backends share one IR build of a file (backends.tile.shared_front)."""

from __future__ import annotations

import pytest

import porter
from porter.backends import tile
from porter.frontends.conditionals import skipped_ranges

TEXT = b"""#ifndef GUARD_H
#define GUARD_H
#ifdef PAPI
#include "papi.h"
#endif
#if REF == 14
#include "ref14.h"
#elif REF == 8
#include "ref8.h"
#else
#include "other.h"
#endif
#ifdef FROM_A_FILE
#include "maybe.h"
#else
#include "else.h"
#endif
#if !defined(PAPI) && (REF > 10 || 0)
#include "live.h"
#endif
#endif
"""


def _skipped(macros: dict[str, str]) -> set[str]:
    ranges = skipped_ranges(TEXT, macros, {"GUARD_H", "FROM_A_FILE"})
    return {name for name in ("papi", "ref14", "ref8", "other", "maybe", "else", "live")
            if any(s <= TEXT.index(f'"{name}.h"'.encode()) < e for s, e in ranges)}


def test_branches_decided_by_the_command_line_and_undefined_names():
    assert _skipped({"REF": "14"}) == {"papi", "ref8", "other"}
    assert _skipped({"REF": "8", "PAPI": "1"}) == {"ref14", "other", "live"}
    assert _skipped({}) == {"papi", "ref14", "ref8", "live"}  # REF undefined reads as 0


def test_a_name_some_file_defines_leaves_its_branches_undecided():
    assert not {"maybe", "else"} & _skipped({"REF": "14"})


@pytest.mark.parametrize("condition", ["__has_include(<x.h>)", "FOO(1)", "'a' == 97", "A & 1 == 1"])
def test_conditions_it_cannot_read_count_as_taken(condition):
    text = f'#if {condition}\n#include "x.h"\n#endif\n'.encode()
    assert skipped_ranges(text, {}, set()) == []


def test_an_include_in_a_skipped_branch_is_not_an_error(tmp_path):
    (tmp_path / "k.cu").write_text('#ifdef USE_PAPI\n#include "papi.h"\n#endif\n#include "gone.h"\n'
                                   "__global__ void k(float* y) { y[threadIdx.x] = 1.0f; }\n")
    missing = [d for d in porter.translate(tmp_path / "k.cu", "triton").diagnostics if d.id == "P0050"]
    assert [d.span.line for d in missing] == [4]
    with_define = porter.translate(tmp_path / "k.cu", "triton", defines=["USE_PAPI"])
    assert sorted(d.span.line for d in with_define.diagnostics if d.id == "P0050") == [2, 4]


def test_the_hint_names_an_include_folder_that_does_not_exist(tmp_path):
    (tmp_path / "k.cu").write_text('#include "util.h"\n__global__ void k(float* y) { y[0] = 1.0f; }\n')
    absent = tmp_path / "other-program"
    result = porter.translate(tmp_path / "k.cu", "triton", include_dirs=[absent])
    hint = next(d.hint for d in result.diagnostics if d.id == "P0050")
    assert str(absent) in hint and "does not exist" in hint and "util.h" in hint
    (tmp_path / "inc").mkdir()
    result = porter.translate(tmp_path / "k.cu", "triton", include_dirs=[tmp_path / "inc"])
    hint = next(d.hint for d in result.diagnostics if d.id == "P0050")
    assert "pass -I DIR naming the folder that holds util.h" in hint and str(tmp_path / "inc") in hint


def test_three_tile_backends_build_the_ir_once_and_a_header_edit_builds_it_again(tmp_path, monkeypatch):
    builds = []
    real = tile.build_ir
    monkeypatch.setattr(tile, "build_ir", lambda source: builds.append(source.name) or real(source))
    (tmp_path / "inc").mkdir()
    header = tmp_path / "inc" / "scale.cuh"
    header.write_text("#define SCALE 2.0f\n")
    (tmp_path / "k.cu").write_text('#include "scale.cuh"\n'
                                   "__global__ void k(const float* x, float* y, int n) {\n"
                                   "    int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
                                   "    if (i < n) y[i] = x[i] * SCALE;\n}\n")
    ports = [porter.translate(tmp_path / "k.cu", t, include_dirs=[tmp_path / "inc"])
             for t in ("triton", "pallas", "nki")]
    assert all(p.ok for p in ports) and len(builds) == 1
    header.write_text("#define SCALE 3.5f\n")
    again = porter.translate(tmp_path / "k.cu", "triton", include_dirs=[tmp_path / "inc"])
    assert len(builds) == 2 and "3.5" in again.code and "3.5" not in ports[0].code
    porter.translate(tmp_path / "k.cu", "triton", include_dirs=[tmp_path / "inc"], defines=["X=1"])
    assert len(builds) == 3  # another context: another build
