"""The prelude's precompiled header (porter.frontends.clang_pch): the IR is the same with and without it."""

from dataclasses import replace
from pathlib import Path

import pytest

from porter.frontends import clang_ir, clang_pch
from porter.frontends.clang_ir import ARGS
from porter.frontends.prelude import INCLUDE_DIR
from porter.ir.printer import print_module
from porter.project import ProjectContext
from porter.source import read_source_file

pytestmark = pytest.mark.skipif(not clang_ir.available(), reason="libclang is not installed")

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "kernels"
#: kernels with templates, vector types, half, shuffles, shared memory, atomics and macros
KERNELS = ["reduce_shared", "axpby_float4", "half2_axpy", "reduce_warp", "histogram", "transpose_tiled",
           "bf16_residual", "scan_block"]


def ir_text(source, monkeypatch, with_pch: bool) -> str:
    with monkeypatch.context() as patch:
        if not with_pch:
            patch.setattr(clang_pch, "prelude_pch", lambda args: None)
        module, errors = clang_ir.build_with_errors(source)
    return print_module(module, types=True, spans=True) + repr(module.diagnostics) + repr(errors)


@pytest.mark.parametrize("name", KERNELS)
def test_the_ir_is_the_same_with_the_pch(name, monkeypatch):
    source = read_source_file(GOLDEN / f"{name}.cu")
    assert ir_text(source, monkeypatch, True) == ir_text(source, monkeypatch, False)


def test_project_defines_get_their_own_pch_and_the_same_ir(monkeypatch):
    source = read_source_file(GOLDEN / "saxpy.cu")
    project = ProjectContext(defines=(("BLOCK", "128"), ("USE_FAST", "1")), std="c++14")
    source = replace(source, project=project)
    assert ir_text(source, monkeypatch, True) == ir_text(source, monkeypatch, False)
    plain = clang_pch.prelude_pch((*ARGS, "-I", INCLUDE_DIR))
    defined = clang_pch.prelude_pch((*ARGS, "-DBLOCK=128", "-I", INCLUDE_DIR))
    assert plain is not None and defined is not None and plain != defined
    assert clang_pch.prelude_pch((*ARGS, "-I", INCLUDE_DIR)) == plain  # built once


def test_arguments_that_break_the_prelude_get_no_pch_and_the_same_errors(monkeypatch):
    # a define that turns a prelude type into a syntax error: clang's errors must be the ones the
    # textual prelude gives, so no PCH is used
    assert clang_pch.prelude_pch((*ARGS, "-Dfloat4=1 +", "-I", INCLUDE_DIR)) is None
    source = replace(read_source_file(GOLDEN / "saxpy.cu"),
                     project=ProjectContext(defines=(("float4", "1 +"),)))
    assert ir_text(source, monkeypatch, True) == ir_text(source, monkeypatch, False)


def test_a_missing_pch_file_is_built_again():
    args = (*ARGS, "-DPCH_REBUILT=1", "-I", INCLUDE_DIR)
    first = clang_pch.prelude_pch(args)
    Path(first).unlink()
    again = clang_pch.prelude_pch(args)
    assert again is not None and Path(again).exists()
