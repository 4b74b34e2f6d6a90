"""raise-reductions: tree and warp-shuffle reductions become ``reduce``; near-misses stay emulated.

``PORTER_UPDATE_EXPECTED=1`` rewrites the expected block-program texts.
"""

import os
from pathlib import Path

import pytest
from porter.frontends.ir_frontend import build_ir

from porter.passes.tile import lower_module, render
from porter.source import load_source
from tests.passes.tile.reduction_cases import NOT_RAISED, RAISED

EXPECTED = Path(__file__).parent / "expected"


def lower(source: str, name: str):
    src = load_source(source, name=f"{name}.cu")
    programs, problems = lower_module(build_ir(src), src.text, raise_reductions=True)
    assert problems == []
    return programs[0]


@pytest.mark.parametrize("name", sorted(RAISED))
def test_raised_block_program_text(name):
    text = render(lower(RAISED[name], name))
    path = EXPECTED / f"{name}.expected"
    if os.environ.get("PORTER_UPDATE_EXPECTED"):
        path.write_text(text)
    assert text == path.read_text()
    assert "reduce." in text


def test_tree_reduction_is_one_block_reduce_behind_a_guard():
    program = lower(RAISED["tree_reduce"], "tree_reduce")
    text = render(program)
    assert "reduce.add(" in text and "per 32 lanes" not in text
    assert program.idioms == ["tree-reduce@5(sdata, add)"]
    # the emulation stays for blocks the tree does not cover exactly
    assert "else:" in text and "masked loop" not in text.split("else:")[0]


def test_tree_max_is_exact_op():
    program = lower(RAISED["tree_max"], "tree_max")
    assert "reduce.max(" in render(program)


def test_warp_reduction_is_per_warp_and_needs_no_lane_exchange():
    program = lower(RAISED["warp_reduce"], "warp_reduce")
    text = render(program)
    assert "reduce.add(v over act, per 32 lanes)" in text
    assert program.shuffles == ()
    assert "shfl" not in text


@pytest.mark.parametrize("name", sorted(NOT_RAISED))
def test_near_misses_keep_the_emulation(name):
    program = lower(NOT_RAISED[name], name)
    assert "reduce." not in render(program)
    assert program.idioms == []


def test_helper_on_a_pointer_with_a_constant_choice():
    program = lower(RAISED["helper_select"], "helper_select")
    assert [i.split("(")[1] for i in program.idioms] == ["scratch, max)", "scratch, add)"]


def test_two_dimensional_warps_are_guarded():
    program = lower(RAISED["xor_rows"], "xor_rows")
    text = render(program)
    assert "reduce.max(v over act, per 32 lanes)" in text
    assert "else:" in text and "shfl.xor(" in text  # the emulation where lanes are not warps
