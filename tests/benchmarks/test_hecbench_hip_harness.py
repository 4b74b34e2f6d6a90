"""The HeCBench HIP harness's bookkeeping, without the corpus or hipcc: the journal a partial run
leaves, the mapping of a port's lines back to the CUDA source, and which compiler errors porter's
diagnostics explain."""

import json
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import hecbench_hip  # noqa: E402


def test_journal_last_line_of_a_program_wins_and_a_cut_line_is_skipped(tmp_path):
    journal = tmp_path / "results.jsonl"
    journal.write_text(json.dumps({"program": "a", "porter": {"class": "failed-silently"}}) + "\n"
                       + json.dumps({"program": "b", "porter": {"class": "compiled"}}) + "\n"
                       + json.dumps({"program": "a", "porter": {"class": "compiled"}}) + "\n"
                       + '{"program": "c", "por')
    entries = hecbench_hip.read_journal(journal)
    assert sorted(entries) == ["a", "b"]
    assert entries["a"]["porter"]["class"] == "compiled"
    assert hecbench_hip.read_journal(tmp_path / "absent.jsonl") == {}


def test_source_lines_follow_lines_porter_added_and_rewrote(tmp_path):
    original, ported = tmp_path / "k.cu", tmp_path / "k.hip"
    original.write_text("#include <cuda_runtime.h>\nint a;\n__syncwarp(m);\nint b;\n")
    ported.write_text("#include <hip/hip_runtime.h>\n// helper\nstatic int h;\nint a;\n__porter_syncwarp();\nint b;\n")
    assert hecbench_hip.source_lines(ported, original, 4) == [2]      # unchanged line, shifted by 2
    assert hecbench_hip.source_lines(ported, original, 5) == [3]      # the rewritten line
    assert hecbench_hip.source_lines(ported, original, 6) == [4]
    assert hecbench_hip.source_lines(ported, original, 0) == [0]      # a back-end error has no line
    assert hecbench_hip.source_lines(ported, tmp_path / "absent.cu", 5) == [5]


def _error(line, message="x", source_lines=None, header=None):
    error = {"file": "p-cuda/k.cu", "line": line, "col": 1, "message": message, "missing_header": header}
    if source_lines is not None:
        error["source_lines"] = source_lines
    return error


def _diagnostic(line, severity="error", diagnostic_id="P0201"):
    return {"id": diagnostic_id, "severity": severity, "line": line, "path": "p-cuda/k.cu", "message": "m"}


def test_an_error_diagnostic_on_the_source_line_explains_the_error():
    assert hecbench_hip.explained(_error(78, source_lines=[77]), [_diagnostic(77)])
    assert not hecbench_hip.explained(_error(78, source_lines=[77]), [_diagnostic(78)])
    assert not hecbench_hip.explained(_error(78, source_lines=[77]), [_diagnostic(77, severity="warning")])


def test_a_back_end_error_is_explained_only_by_its_diagnostic():
    image = "fatal error: error in backend: requested image instruction is not supported on this GPU"
    assert hecbench_hip.explained(_error(0, image), [_diagnostic(12, diagnostic_id="P0272")])
    assert not hecbench_hip.explained(_error(0, image), [_diagnostic(12, diagnostic_id="P0201")])
    assert not hecbench_hip.explained(_error(0, "fatal error: error in backend: other"),
                                      [_diagnostic(12, diagnostic_id="P0272")])


def test_a_file_porter_left_untranslated_explains_its_errors():
    assert hecbench_hip.explained(_error(5, "'cuda.h' file not found", [5], "cuda.h"),
                                  [_diagnostic(1, diagnostic_id="P0102")])


def test_relocatable_device_code_flags_become_hipcc_s(tmp_path):
    from hecbench_build import read_build

    (tmp_path / "main.cu").write_text("int main() { return 0; }\n")
    (tmp_path / "Makefile").write_text("source = main.cu\nobj = main.o\n%.o: %.cu\n\tnvcc -std=c++14 -dc $< -o $@\n")
    build = read_build(tmp_path)
    assert build is not None and "-fgpu-rdc" in build.flags and "-std=c++14" in build.flags


def test_an_error_in_a_macro_expansion_is_explained_at_the_macro_s_line():
    from hecbench_build import _ERROR
    from hecbench_build import _error as parse_error

    output = ("main.cu:183:3: error: use of undeclared identifier 'cusparseGetErrorString'\n"
              "main.cu:72:15: note: expanded from macro 'CHECK_CUSPARSE'\n"
              "main.cu:190:1: error: other\n")
    first, second = [parse_error(m, Path("/p")) for m in _ERROR.finditer(output)]
    assert first.macros == (("main.cu", 72),) and second.macros == ()
    error = _error(183, "use of undeclared identifier", [182])
    error["macros"] = [{"file": "p-cuda/k.cu", "line": 72, "source_lines": [72]}]
    assert hecbench_hip.explained(error, [_diagnostic(72)])
    assert not hecbench_hip.explained(error, [_diagnostic(71)])
