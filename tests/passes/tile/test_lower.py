"""The SIMT-to-tile lowering on small kernels: expected block-program text, and refusals."""

from pathlib import Path

import pytest
from porter.frontends.ir_frontend import build_ir

from porter.passes.tile import lower_module, render
from porter.source import load_source
from tests.passes.tile.cases import KERNELS

EXPECTED = Path(__file__).parent / "expected"


def lower(name: str):
    source = load_source(KERNELS[name], name=f"{name}.cu")
    return lower_module(build_ir(source), source.text)


@pytest.mark.parametrize("name", ["divergent_if", "phases", "shared_reuse", "varying_trip", "strided_lanes"])
def test_block_program_text(name):
    programs, problems = lower(name)
    assert problems == []
    assert render(programs[0]) == (EXPECTED / f"{name}.expected").read_text()


def test_divergent_if_becomes_masks():
    text = render(lower("divergent_if")[0][0])
    assert "where m" in text and " vec = " in text


def test_barriers_split_phases():
    text = render(lower("phases")[0][0])
    assert text.count("barrier  # end of phase") == 1
    assert "shared tile: f32[64]" in text


def test_thread_dependent_trip_count_is_a_masked_loop():
    text = render(lower("varying_trip")[0][0])
    assert "masked loop while any(" in text
    assert "return" in text or "act = " in text


def test_strided_lane_loop_is_counted():
    text = render(lower("strided_lanes")[0][0])
    assert "[trips select(" in text  # ceil((bound + 1 - c) / step) on entry, 0 when negative


def test_loops_whose_trip_count_is_unknown_on_entry_are_not_counted():
    # a step of unknown sign, a break, a bound the body changes, a bound read from memory the
    # body may write
    text = render(lower("uncounted_loops")[0][0])
    assert text.count("masked loop while any(") == 4
    assert "[trips" not in text


def test_a_bound_read_from_memory_counts_when_the_body_writes_none():
    from tests.passes.tile.test_prefetch import CSR_ROWS

    source = load_source(CSR_ROWS, name="csr_rows.cu")
    (program,), _ = lower_module(build_ir(source), source.text)
    text = render(program)
    assert "[trips select(((cast<i64>(load.global(row_ptr[(row + 1)], act)) - cast<i64>(j)) > 0)" in text


def test_vector_components_set_in_a_divergent_branch_are_masked_lane_vectors():
    programs, problems = lower("vector_divergent")
    assert problems == []
    text = render(programs[0])
    assert "let v_x: f32 vec" in text and "v_x = load.global(x[i], m2) where m2" in text
    assert "v_w = splat(7.0) where m2" in text


def test_refused_construct_names_it_and_its_line():
    programs, problems = lower("refused")
    assert programs == []
    [diag] = problems
    assert diag.id == "P0403"
    assert "local array local" in diag.message
    assert diag.span.line == 3
