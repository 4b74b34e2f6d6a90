"""porter golden capture on a program that runs on a fake CUDA runtime (no GPU needed).

fake_cudart.c is built as libcudart.so.12: device memory is host memory and cudaLaunchKernel runs
the host stub the program registered, i.e. the C version of each kernel (app.c). The capture must
turn the program's launches into specs that validate, goldens that are fresh, and cases whose
captured outputs porter's CPU reference reproduces from the captured inputs with kernels.cu.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from porter.golden import load_spec
from porter.golden.capture import CaptureError, Sampling, capture
from porter.golden.capture.index import read_index
from porter.golden.capture.sources import scan
from porter.golden.store import entries, open_case

HERE = Path(__file__).parent
STEPS, N = 6, 300

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc to build the fake CUDA runtime")


def _gcc(*args: str) -> None:
    subprocess.run(["gcc", "-O1", *args], check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fake-cuda")
    _gcc("-shared", "-fPIC", "-o", str(folder / "libcudart.so.12"), str(HERE / "fake_cudart.c"))
    _gcc("-o", str(folder / "app"), str(HERE / "app.c"), f"-L{folder}", "-l:libcudart.so.12",
         f"-Wl,-rpath,{folder}")
    return folder


@pytest.fixture(scope="module")
def captured(built, tmp_path_factory):
    out = tmp_path_factory.mktemp("captured")
    result = capture(built / "app", [str(STEPS), str(N)], [HERE], out, Sampling(launches=3, every=2))
    return out, result


def test_capture_writes_one_spec_per_kernel_and_scalar_group(captured):
    out, result = captured
    specs = {w.spec.stem: w.cases for w in result.written}
    # heat: launches 0, 2, 4 of 6 (every 2nd, at most 3); scale's launches 0 and 2 differ in factor
    assert specs == {"heat_step": ("launch0", "launch2", "launch4"), "apply_table": ("launch0",),
                     "scale": ("launch0",), "scale__2": ("launch2",), "add_vectors": ("launch0",)}
    assert result.counts["heat_step"] == (STEPS, 3)
    assert not result.skipped and not result.notes


def test_specs_validate_and_goldens_are_fresh(captured):
    from porter.cli.golden import golden

    out, _ = captured
    run = CliRunner().invoke(golden, ["validate", str(out / "kernels")])
    assert run.exit_code == 0, run.output
    assert "5 kernel specs with 7 cases are valid" in run.output
    for spec_path in sorted((out / "kernels").glob("*.toml")):
        spec = load_spec(spec_path)
        assert {e.status for e in entries(spec, out / "recorded")} == {"fresh"}, spec_path


def test_captured_time_loop_matches_an_independent_simulation(captured):
    """The input of heat_step's 3rd captured launch (launch 4) is the initial field after 4 steps."""
    out, _ = captured
    spec = load_spec(out / "kernels" / "heat_step.toml")
    _, golden = open_case(spec, spec.case("launch4"), out / "recorded")
    field = np.array([((i * 37) % 101) / np.float32(7.0) for i in range(N)], dtype=np.float32)
    for _ in range(4):
        nxt = field.copy()
        mid = field[1:-1]
        nxt[1:-1] = mid + np.float32(0.25) * ((field[:-2] - mid) + (field[2:] - mid))
        field = nxt
    np.testing.assert_array_equal(golden.inputs["in"], field)


def test_reference_reproduces_captured_outputs(captured):
    if shutil.which("g++") is None:
        pytest.skip("the CPU reference needs g++")
    from porter.reference import run_reference

    out, _ = captured
    for stem in ("heat_step", "apply_table", "scale__2", "add_vectors"):
        spec = load_spec(out / "kernels" / f"{stem}.toml")
        for case in spec.cases:
            _, golden = open_case(spec, case, out / "recorded")
            assert golden is not None
            produced = run_reference(spec.source.read_text(), spec, case)  # inputs: the spec's .npy files
            assert golden.outputs, stem
            for name, expected in golden.outputs.items():
                np.testing.assert_array_equal(produced[name], expected, err_msg=f"{stem}/{case.name}/{name}")


def test_constant_table_is_a_symbol_step_with_the_written_bytes(captured):
    out, _ = captured
    spec = load_spec(out / "kernels" / "apply_table.toml")
    assert spec.symbols == ("c_table",)
    _, golden = open_case(spec, spec.cases[0], out / "recorded")
    table = golden.inputs["sym_c_table"].view(np.float32)
    np.testing.assert_array_equal(table, np.float32(1.5) * np.arange(16, dtype=np.float32) - np.float32(4.0))
    assert load_spec(out / "kernels" / "heat_step.toml").symbols == ()  # heat_step never reads it


def test_provenance_names_program_launch_stream_and_memory(captured, built):
    out, _ = captured
    scale = json.loads((out / "recorded" / "scale__2" / "launch2.json").read_text())["captured"]
    assert scale["program"] == str((built / "app").resolve()) and scale["args"] == [str(STEPS), str(N)]
    assert (scale["launch"], scale["stream"], scale["memory"]) == (2, 1, {"data": "managed"})
    add = json.loads((out / "recorded" / "add_vectors" / "launch0.json").read_text())["captured"]
    assert add["stream"] == 2 and add["memory"] == {"a": "device", "b": "device", "c": "device"}


def test_kernel_file_keeps_the_kernel_alone(captured):
    out, _ = captured
    text = (out / "kernels" / "heat_step.cu").read_text()
    assert "__global__ void heat_step" in text and "__constant__ float c_table" in text
    assert "int main" not in text and "void apply_table" not in text


def test_byte_budget_stops_capturing(built, tmp_path):
    result = capture(built / "app", ["4", "100"], [HERE], tmp_path, Sampling(launches=10, max_bytes=1000))
    assert [code for code, _ in result.notes] == ["P0138"]
    assert result.cases == 1  # the first launch's 2 x 400 bytes reach the budget


def test_kernel_glob_and_cli(built, tmp_path):
    from porter.cli.golden import golden

    run = CliRunner().invoke(golden, ["capture", "--source", str(HERE), "--kernel", "add*", "-o", str(tmp_path),
                                      "--", str(built / "app"), "2", "50"])
    assert run.exit_code == 0, run.output
    assert sorted(p.stem for p in (tmp_path / "kernels").glob("*.toml")) == ["add_vectors"]


def test_static_runtime_is_refused_with_the_rebuild_hint(tmp_path):
    (tmp_path / "static.c").write_text("int main(void) { return 0; }\n")
    _gcc("-o", str(tmp_path / "static"), str(tmp_path / "static.c"))
    with pytest.raises(CaptureError) as error:
        capture(tmp_path / "static", [], [HERE], tmp_path / "out", Sampling())
    assert error.value.code == "P0131" and "nvcc -cudart shared" in error.value.hint


def test_failing_program_is_an_error(built, tmp_path):
    (tmp_path / "fail.c").write_text("int cudaDeviceSynchronize(void);\n"
                                     "int main(void) { cudaDeviceSynchronize(); return 3; }\n")
    _gcc("-o", str(tmp_path / "fail"), str(tmp_path / "fail.c"), f"-L{built}", "-l:libcudart.so.12",
         f"-Wl,-rpath,{built}")
    with pytest.raises(CaptureError) as error:
        capture(tmp_path / "fail", [], [HERE], tmp_path / "out", Sampling())
    assert error.value.code == "P0132" and "status 3" in error.value.message


def _event(buffers: list[dict]) -> dict:
    return {"event": "launch", "seq": 0, "kernel": "add_vectors", "mangled": "_Z11add_vectorsPKfS0_Pfi",
            "launch": 0, "grid": [1, 1, 1], "block": [4, 1, 1], "shared": 0, "stream": 0, "signature": True,
            "args": ["00" * 8] * 3 + ["04000000"], "buffers": buffers, "symbols": [], "result": 0, "sync": 0,
            "after": [{"arg": b["arg"], "file": f"{b['arg']}.after", "error": 0} for b in buffers]}


@pytest.mark.parametrize(("buffers", "code"), [
    ([{"arg": 0, "address": 4096, "alloc": 4096, "alloc_bytes": 16, "offset": 0, "kind": "device",
       "before": "0.before", "error": 0},
      {"arg": 1, "address": 4104, "alloc": 4096, "alloc_bytes": 16, "offset": 8, "kind": "device",
       "before": "1.before", "error": 0}], "P0136"),
    ([{"arg": 0, "address": 77}], "P0135"),
    ([{"arg": 0, "address": 0}], "P0135"),
])
def test_launches_a_spec_cannot_express_are_skipped(tmp_path, buffers, code):
    (tmp_path / "blobs").mkdir()
    for name in ("0.before", "0.after", "1.before", "1.after"):
        (tmp_path / "blobs" / name).write_bytes(bytes(16))
    (tmp_path / "index.jsonl").write_text(json.dumps(_event(buffers)) + "\n")
    index = read_index(tmp_path, scan([HERE]))
    assert not index.launches and [s.code for s in index.skipped] == [code]


@pytest.mark.slow
def test_porter_check_runs_the_captured_cases(captured, tmp_path):
    pytest.importorskip("triton", reason="the Triton interpreter runs the port")
    from porter.cli.check import check

    out, _ = captured
    report = tmp_path / "check.json"
    run = CliRunner().invoke(check, [str(out / "kernels" / "heat_step.toml"), "--backend", "triton",
                                     "--json", str(report)])
    records = json.loads(report.read_text())["records"]
    runs = {r["case"]: r["status"] for r in records if r["check"] == "run interpreter"}
    assert runs == {f"heat_step/launch{i}": "pass" for i in (0, 2, 4)}, run.output
