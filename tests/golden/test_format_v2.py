"""Golden spec format 2: one small spec per construct format 1 could not say (tests/fixtures/golden_v2),
loaded, validated, run on the CPU reference (checked against numpy models of the kernels) and,
where the kernel ports, on the Triton interpreter; format-1 specs resolve exactly as before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from porter.check.compare import compare_outputs
from porter.golden.diagnose import diagnose, locate
from porter.golden.inputs import make_inputs
from porter.golden.plan import encode_plan
from porter.golden.program import bind_device, operations
from porter.golden.record import record_runs
from porter.golden.resolve import case_hash, resolve_case
from porter.golden.spec import discover, load_spec
from porter.golden.store import Golden, case_paths

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "golden_v2"
CORPUS = ROOT / "golden" / "kernels"
needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="the CPU reference needs g++")


def spec(name: str):
    return load_spec(FIXTURES / f"{name}.toml")


def reference(name: str):
    """(spec, [(case, inputs, outputs)]) of a fixture run on the CPU reference."""
    from porter.reference import run_reference
    loaded = spec(name)
    runs = []
    for case in loaded.cases:
        inputs = make_inputs(resolve_case(loaded, case))
        runs.append((case, inputs, run_reference(loaded.source.read_text(), loaded, case, inputs=inputs)))
    return loaded, runs


# ------------------------------------------------------------------ format 1 is unchanged
def test_format_1_cases_hash_as_their_recorded_goldens():
    if not CORPUS.is_dir():
        pytest.skip("porter's golden corpus is not in this checkout")
    checked = 0
    for path in discover([CORPUS]):
        loaded = load_spec(path)
        for case in loaded.cases:
            _, provenance = case_paths(ROOT / "golden" / "recorded", loaded.name, case.name)
            if provenance.exists():
                assert json.loads(provenance.read_text())["case_sha256"] == case_hash(resolve_case(loaded, case))
                checked += 1
    assert checked >= 100


def test_every_fixture_validates_with_no_problem():
    for path in sorted(FIXTURES.glob("*.toml")):
        assert diagnose(path) == [], path.name


# ------------------------------------------------------------------ 1: parameter types
def test_types_resolved_through_typedef_macro_template_long_and_enum():
    from porter.golden.validate import launch_signatures
    params = launch_signatures(spec("types"))[0].params
    assert [p.element for p in params] == ["float", "float", "float", "long long", "int"]
    assert params[4].cast_type == "::Op" and params[0].written == "T"


@needs_gxx
def test_types_on_the_reference():
    loaded, runs = reference("types")
    for case, inputs, outputs in runs:
        y, x = inputs["y"], inputs["x"]
        np.testing.assert_allclose(outputs["y"], y * (np.float32(1.5) * x), rtol=1e-6)


# ------------------------------------------------------------------ 2: defines and template arguments per case
def test_defines_and_template_arguments_per_case():
    loaded = spec("defines")
    first, second = (resolve_case(loaded, c) for c in loaded.cases)
    assert dict(first.defines) == {"WIDTH": 8} and dict(second.defines) == {"WIDTH": 3}
    assert first.launches[0].kernel == "row_sums<64>" and second.launches[0].kernel == "row_sums<32>"
    assert loaded.instances == ("row_sums<32>", "row_sums<64>")


@needs_gxx
def test_defines_on_the_reference():
    _, runs = reference("defines")
    for case, inputs, outputs in runs:
        np.testing.assert_allclose(outputs["out"], inputs["inp"].sum(axis=1), rtol=1e-5)


# ------------------------------------------------------------------ 3: loops and ping-pong swaps
def heat(a: np.ndarray, b: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = a.copy(), b.copy()
    for _ in range(steps):
        left, right = np.concatenate([a[:1], a[:-1]]), np.concatenate([a[1:], a[-1:]])
        b = (a + np.float32(0.2) * (left - np.float32(2.0) * a + right)).astype(np.float32)
        a, b = b, a
    return a, b


def test_loop_unrolls_with_a_swap_after_each_iteration():
    loaded = spec("loop")
    ops = operations(resolve_case(loaded, loaded.cases[1]))  # steps = 4
    assert [op.op for op in ops] == ["launch", "swap"] * 4


@needs_gxx
def test_loop_on_the_reference():
    _, runs = reference("loop")
    for case, inputs, outputs in runs:
        a, b = heat(inputs["a"], inputs["b"], case.size_map["steps"])
        np.testing.assert_allclose(outputs["a"], a, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(outputs["b"], b, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------ 4: host operations
@needs_gxx
def test_host_operations_on_the_reference():
    _, runs = reference("hostops")
    for case, inputs, outputs in runs:
        hist = np.bincount(inputs["keys"], minlength=16)
        assert outputs["hist"].tolist() == hist.tolist() == outputs["saved"].tolist()
        np.testing.assert_allclose(outputs["weighted"], hist * (1 + np.arange(16) / 4))


# ------------------------------------------------------------------ 5: generated inputs
def test_generators_make_what_they_say():
    loaded = spec("generated")
    case = resolve_case(loaded, loaded.cases[1])
    inputs = make_inputs(case)
    n, rows, cols = 257, 33, 17
    assert sorted(inputs["perm"].tolist()) == list(range(n))
    assert np.all(np.diff(inputs["keys"]) >= 0)
    np.testing.assert_allclose(inputs["lut"], np.sin(np.arange(n) * 0.1).astype(np.float32))
    offsets, indices = inputs["offsets"], inputs["cols"]
    assert offsets[0] == 0 and offsets[-1] == indices.size == round(0.1 * rows * cols)
    for r in range(rows):
        row = indices[offsets[r]:offsets[r + 1]]
        assert np.all(np.diff(row) > 0) and np.all((row >= 0) & (row < cols))
    again = make_inputs(resolve_case(loaded, loaded.cases[1]))
    assert all(inputs[k].tobytes() == again[k].tobytes() for k in inputs)


@needs_gxx
def test_generated_inputs_on_the_reference():
    _, runs = reference("generated")
    for case, inputs, outputs in runs:
        np.testing.assert_allclose(outputs["out"], inputs["lut"][inputs["perm"]] + inputs["keys"], rtol=1e-6)
        o, c, v, x = inputs["offsets"], inputs["cols"], inputs["vals"], inputs["x"]
        y = [float(np.dot(v[o[r]:o[r + 1]].astype(np.float64), x[c[o[r]:o[r + 1]]])) for r in range(o.size - 1)]
        np.testing.assert_allclose(outputs["y"], y, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------ 6: sm_count
def test_sm_count_geometry_is_bound_per_device_and_not_hashed():
    loaded = spec("smcount")
    case = resolve_case(loaded, loaded.cases[0])
    assert case.launches[0].grid[0] == "2 * sm_count"
    assert bind_device(case, 132).launches[0].grid == (264, 1, 1)
    assert case_hash(case) == case_hash(resolve_case(loaded, loaded.cases[0]))
    with pytest.raises(Exception, match="device"):
        encode_plan(case, make_inputs(case))


@needs_gxx
def test_sm_count_on_the_reference():
    _, runs = reference("smcount")
    for case, inputs, outputs in runs:
        np.testing.assert_array_equal(outputs["x"], inputs["x"] * np.float32(0.5))


# ------------------------------------------------------------------ 7: undefined regions
@needs_gxx
def test_undefined_tail_is_not_compared():
    loaded, runs = reference("undefined")
    for case, inputs, outputs in runs:
        n = case.size_map["n"]
        np.testing.assert_array_equal(outputs["out"][:n], 2 * inputs["inp"][:n])
        resolved = resolve_case(loaded, case)
        changed = {"out": outputs["out"].copy()}
        changed["out"][n:] = 12345.0
        assert compare_outputs(loaded, outputs, changed, case=resolved).ok
        changed["out"][n - 1] += 1.0
        assert not compare_outputs(loaded, outputs, changed, case=resolved).ok
        assert not compare_outputs(loaded, outputs, outputs).ok  # without the case it cannot judge


# ------------------------------------------------------------------ 8: nondeterministic, scaled tolerance
def test_scaled_tolerance_follows_the_case():
    loaded = spec("nondeterministic")
    big, small = (resolve_case(loaded, c) for c in loaded.cases)
    assert big.tolerances == (("result", 4096 * 2**-23 * 4, 4096 * 2**-23 * 4),)
    assert small.tolerances[0][1] == pytest.approx(1000 * 2**-23 * 4)


@needs_gxx
def test_nondeterministic_recording_carries_its_spread():
    from porter.reference import run_reference
    loaded = spec("nondeterministic")
    for case in loaded.cases:
        inputs = make_inputs(resolve_case(loaded, case))
        outputs, spread = record_runs(loaded, lambda: run_reference(loaded.source.read_text(), loaded, case,
                                                                    inputs=inputs))
        assert set(spread) == {"result"} and spread["result"] >= 0.0
        exact = float(np.dot(inputs["a"].astype(np.float64), inputs["b"]))
        k = case.size_map["k"]
        assert abs(float(outputs["result"][0]) - exact) <= k * 2**-23 * 4 * (1 + abs(exact))
        golden = Golden({"spread": spread}, inputs, outputs)
        from porter.check.compare import compare_golden
        assert compare_golden(loaded, case, golden, outputs).ok


def test_excluded_outputs_are_named_in_the_detail(tmp_path):
    text = (FIXTURES / "nondeterministic.toml").read_text().replace(
        'nondeterministic = { kind = "atomics", compare = "repeat", runs = 3 }',
        'nondeterministic = { kind = "race", compare = "exclude", reason = "order of float atomics" }')
    (tmp_path / "nd.toml").write_text(text)
    shutil.copy(FIXTURES / "nondeterministic.cu", tmp_path / "nd.cu")
    loaded = load_spec(tmp_path / "nd.toml")
    result = compare_outputs(loaded, {"result": np.ones(1, np.float32)}, {"result": np.zeros(1, np.float32)},
                             case=loaded.cases[0])
    assert result.ok and "not compared" in result.detail and "order of float atomics" in result.detail


# ------------------------------------------------------------------ recording twice
@needs_gxx
def test_recording_twice_with_the_reference_gives_identical_goldens():
    from porter.reference import run_reference
    for path in sorted(FIXTURES.glob("*.toml")):
        loaded = load_spec(path)
        if loaded.nondeterministic is not None:
            continue
        case = loaded.cases[-1]
        first, second = (record_runs(loaded, lambda: run_reference(
            loaded.source.read_text(), loaded, case, inputs=make_inputs(resolve_case(loaded, case))))[0]
            for _ in range(2))
        assert all(first[k].tobytes() == second[k].tobytes() for k in first), path.name


# ------------------------------------------------------------------ Triton interpreter
def _triton_records(name: str, tmp_path, edit_outputs=None):
    pytest.importorskip("triton")
    pytest.importorskip("torch")
    from porter.check.machine import Machine
    from porter.check.triton import TritonChecker
    loaded, runs = reference(name)
    cases = []
    for case, inputs, outputs in runs:
        if edit_outputs:
            outputs = edit_outputs(outputs)
        cases.append((case, Golden({"sm_count": 4}, inputs, outputs)))
    checker = TritonChecker(Machine(tmp_path / "check"), gpu=False)
    return [r for r in checker.check_kernel(loaded, cases) if r.check == "run interpreter"]


@needs_gxx
def test_loop_with_swaps_on_the_triton_interpreter(tmp_path):
    records = _triton_records("loop", tmp_path)
    assert [r.status for r in records] == ["pass", "pass"], records
    wrong = _triton_records("loop", tmp_path, lambda o: {"a": o["a"] + 0.01, "b": o["b"]})
    assert [r.status for r in wrong] == ["fail", "fail"]


@needs_gxx
def test_symbol_writes_are_unsupported_on_triton(tmp_path):
    records = _triton_records("hostops", tmp_path)  # the port, or else the runner, says unsupported
    assert len(records) == 2 and all(r.status == "unsupported" for r in records), records


# ------------------------------------------------------------------ porter golden validate
def test_validate_reports_every_problem_with_lines(tmp_path):
    for name in ("loop", "types"):
        shutil.copy(FIXTURES / f"{name}.cu", tmp_path / f"{name}.cu")
    text = (FIXTURES / "loop.toml").read_text()
    text = text.replace('category = "stencil"', 'category = "stencill"\nbogus = 1')
    text = text.replace('a = { dtype = "float32"', 'a = { dtype = "float33"')
    (tmp_path / "loop.toml").write_text(text)
    problems = diagnose(tmp_path / "loop.toml")
    found = {(p.id, p.line, p.column) for p in problems}
    assert found == {("P0111", 4, 1), ("P0112", 3, 1), ("P0112", 7, 7)}, problems
    assert all(p.format().startswith(f"{tmp_path / 'loop.toml'}:") for p in problems)


def test_locate_finds_array_tables_and_inline_keys():
    text = (FIXTURES / "hostops.toml").read_text()
    lines = text.splitlines()
    line, _ = locate(text, "step[2].grid")
    assert lines[line - 1].startswith("grid = ")
    line, column = locate(text, "buffers.keys.high")
    assert lines[line - 1][column - 1:].startswith("high")
    line, _ = locate(text, "case 'n77': step[1].value")
    assert lines[line - 1] == "value = 0"


def test_cli_validate_exit_codes(tmp_path):
    from click.testing import CliRunner

    from porter.cli.golden import golden
    good = CliRunner().invoke(golden, ["validate", str(FIXTURES)])
    assert good.exit_code == 0, good.output
    shutil.copy(FIXTURES / "loop.cu", tmp_path / "loop.cu")
    (tmp_path / "loop.toml").write_text((FIXTURES / "loop.toml").read_text().replace('swap = ["a", "b"]', 'swap = ["a", "c"]'))
    bad = CliRunner().invoke(golden, ["validate", str(tmp_path / "loop.toml")])
    assert bad.exit_code == 2 and "error[P0116]" in bad.output
