"""Project context: include folders, defines and compilation databases reach both IR frontends,
header-defined device helpers reach the tile backends, and a missing -I is a diagnostic."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import porter
from porter.cli import cli as cli_main
from porter.frontends.ir_frontend import build_ir
from porter.project import ProjectContext
from porter.source import InputError, read_source_file

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "project"
INCLUDE = FIXTURE / "include"
FILES = ("src/saxpy.cu", "src/affine.cu", "src/blocksum.cuh")
TILE_TARGETS = ("triton", "pallas", "nki")


@pytest.mark.parametrize("target", TILE_TARGETS)
@pytest.mark.parametrize("name", FILES)
def test_every_kernel_ports_with_the_include_path(name, target):
    result = porter.translate(FIXTURE / name, target, include_dirs=[INCLUDE])
    assert result.ok, [f"{d.id} {d.message}" for d in result.diagnostics]
    assert not [d for d in result.diagnostics if d.id.startswith(("P04", "P06", "P07"))]
    assert result.code


def test_missing_include_dir_names_the_include_and_line():
    result = porter.translate(FIXTURE / "src/saxpy.cu", "triton")
    missing = [d for d in result.diagnostics if d.id == "P0050"]
    assert len(missing) == 1
    assert "common.cuh" in missing[0].message and missing[0].span.line == 1
    assert missing[0].span.file.endswith("saxpy.cu")
    assert "-I" in missing[0].hint


def test_a_define_changes_the_macro_value_in_the_output():
    default = porter.translate(FIXTURE / "src/saxpy.cu", "triton", include_dirs=[INCLUDE]).code
    changed = porter.translate(FIXTURE / "src/saxpy.cu", "triton", include_dirs=[INCLUDE],
                               defines=["SCALE=3.5f"]).code
    assert "* 2.0)" in default and "3.5" not in default
    assert "* 3.5)" in changed and "* 2.0)" not in changed


@pytest.mark.parametrize("frontend", ["clang", "treesitter"])
def test_both_frontends_resolve_header_types_macros_and_helpers(frontend):
    source = dataclasses.replace(read_source_file(FIXTURE / "src/affine.cu"),
                                 project=ProjectContext.from_options([INCLUDE]))
    module = build_ir(source, frontend)
    names = {f.name for f in module.functions if f.body is not None}
    assert {"affine", "axpb", "clamp01"} <= names
    kernel = module.function("affine")
    assert str(kernel.params[0].type) == "ptr<f32 const>"  # `const real*` through the header's typedef
    helper = module.function("axpb")
    assert helper.span.file.endswith("common.cuh")  # diagnostics in it point at the header
    assert not [d for d in module.diagnostics if d.is_error]


def test_undefine_wins_over_define():
    context = ProjectContext.from_options(defines=["A=1", "B"], undefines=["A"])
    assert context.macros() == {"B": "1"}
    assert "-UA" in context.clang_args() and "-DB=1" in context.clang_args()
    assert hash(context) == hash(ProjectContext.from_options(defines=["A=1", "B"], undefines=["A"]))


def test_bad_define_is_a_value_error():
    with pytest.raises(ValueError, match="not a macro name"):
        ProjectContext.from_options(defines=["=3"])


def _database(tmp_path: Path, arguments: list[str]) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURE, tree)
    database = tmp_path / "compile_commands.json"
    database.write_text(json.dumps([{"directory": str(tree), "file": "src/saxpy.cu",
                                     "arguments": ["nvcc", *arguments, "-c", "src/saxpy.cu", "-o", "saxpy.o"]},
                                    {"directory": str(tree), "file": "src/affine.cu",
                                     "command": "nvcc -Iinclude -DSCALE=9.0f -c src/affine.cu"}]))
    return database


def test_compile_commands_entry_is_honoured(tmp_path):
    database = _database(tmp_path, ["-I", "include", "-DSCALE=5.5f", "-std=c++17", "-arch=sm_80"])
    context = ProjectContext.from_compile_commands(database, tmp_path / "tree/src/saxpy.cu")
    assert context.include_dirs == (str(tmp_path / "tree/include"),)
    assert context.defines == (("SCALE", "5.5f"),) and context.std == "c++17"
    result = porter.translate(tmp_path / "tree/src/saxpy.cu", "triton", compile_commands=database)
    assert result.ok, [d.message for d in result.diagnostics]
    assert "* 5.5)" in result.code
    other = ProjectContext.from_compile_commands(database, tmp_path / "tree/src/affine.cu")  # `command`, shlex
    assert other.defines == (("SCALE", "9.0f"),)


def test_compile_commands_without_the_file_is_an_input_error(tmp_path):
    database = _database(tmp_path, ["-Iinclude"])
    with pytest.raises(InputError) as raised:
        ProjectContext.from_compile_commands(database, tmp_path / "tree/src/blocksum.cuh")
    assert raised.value.diag_id == "P0053"


def test_cli_translate_takes_compiler_style_flags(tmp_path):
    runner = CliRunner()
    out = tmp_path / "saxpy.py"
    result = runner.invoke(cli_main, ["translate", str(FIXTURE / "src/saxpy.cu"), "--to", "triton", "-I",
                                      str(INCLUDE), "-DSCALE=7.25f", "-std=c++17", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "* 7.25)" in out.read_text()
    missing = runner.invoke(cli_main, ["translate", str(FIXTURE / "src/saxpy.cu"), "--to", "triton", "-o",
                                       str(tmp_path / "bare.py")])
    assert missing.exit_code == 0 and "P0050" in missing.output and "common.cuh" in missing.output


def test_cli_ir_takes_include_dirs():
    result = CliRunner().invoke(cli_main, ["ir", str(FIXTURE / "src/affine.cu"), "-I", str(INCLUDE)])
    assert result.exit_code == 0, result.output
    assert "device axpb(" in result.output and "P0050" not in result.output


def test_port_keys_the_manifest_on_the_context(tmp_path):
    from porter.port import UP_TO_DATE, port_tree

    out = tmp_path / "out"
    first = port_tree(FIXTURE, out, "triton", jobs=1, include_dirs=[INCLUDE])
    assert first.ok and not [d for r in first.records for d in r.diagnostics if d["id"] == "P0050"]
    again = port_tree(FIXTURE, out, "triton", jobs=1, include_dirs=[INCLUDE])
    assert all(r.status == UP_TO_DATE for r in again.records if r.kind == "source")
    changed = port_tree(FIXTURE, out, "triton", jobs=1, include_dirs=[INCLUDE], defines=["SCALE=3.0f"])
    assert not any(r.status == UP_TO_DATE for r in changed.records if r.kind == "source")
    assert "* 3.0)" in (out / "src/saxpy.py").read_text()


def test_header_edit_inside_an_include_dir_re_ports_its_includers(tmp_path):
    from porter.port import UP_TO_DATE, port_tree

    tree = tmp_path / "tree"
    shutil.copytree(FIXTURE, tree)
    out = tmp_path / "out"
    port_tree(tree, out, "triton", jobs=1, include_dirs=[tree / "include"])
    header = tree / "include/common.cuh"
    header.write_text(header.read_text().replace("#define BLOCK 256", "#define BLOCK 128"))
    again = port_tree(tree, out, "triton", jobs=1, include_dirs=[tree / "include"])
    redone = {r.path for r in again.records if r.kind == "source" and r.status != UP_TO_DATE}
    assert {"src/saxpy.cu", "src/affine.cu", "src/blocksum.cuh"} <= redone


def test_header_helper_with_a_reference_parameter_is_inlined(tmp_path):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc/acc.cuh").write_text("__device__ void accumulate(float& acc, float v) { acc += v * 2.0f; }\n")
    (tmp_path / "k.cu").write_text(
        "#include <acc.cuh>\n__global__ void k(const float* x, float* y, int n) {\n"
        "    int i = blockIdx.x * blockDim.x + threadIdx.x;\n    float acc = 1.0f;\n"
        "    if (i < n) { accumulate(acc, x[i]); y[i] = acc; }\n}\n")
    result = porter.translate(tmp_path / "k.cu", "triton", include_dirs=[tmp_path / "inc"])
    assert result.ok, [d.message for d in result.diagnostics]
    assert "acc = tl.where(m2, (acc + (v_accumulate1 * 2.0)), acc)" in result.code  # written through the reference
    bare = porter.translate(tmp_path / "k.cu", "triton")  # an angled include off the path: a system header
    assert not bare.ok and not [d for d in bare.diagnostics if d.id == "P0050"]


def test_header_libclang_parses_in_part_is_a_warning(tmp_path):
    (tmp_path / "bad.cuh").write_text("typedef undeclared_t real;\n__device__ float twice(float v) { return v * 2; }\n")
    (tmp_path / "k.cu").write_text('#include "bad.cuh"\n__global__ void k(float* y) { y[threadIdx.x] = twice(1.0f); }\n')
    module = build_ir(tmp_path / "k.cu", "clang")
    partial = [d for d in module.diagnostics if d.id == "P0052"]
    assert len(partial) == 1 and partial[0].span.file.endswith("bad.cuh") and partial[0].span.line == 1
    assert "undeclared_t" in partial[0].message
