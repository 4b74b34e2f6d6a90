"""``porter bench --scale`` on CPU: growing sizes, the 'not scalable' path, dry run, CUDA-reference checks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from porter.bench.model import bytes_moved
from porter.bench.run import run_benchmark, selection, validate_results
from porter.bench.scale import MB, held_sizes, names_in, scale_case, scale_document, scale_selection
from porter.bench.timers import OK, TIMERS, Build, Settings, Timing, compare_in_chunks
from porter.cli.golden import load_specs
from tests.bench.test_run_report import PEAKS, FakeMachine


@pytest.fixture(scope="module")
def corpus():
    return {spec.name: spec for spec in load_specs(())}


def test_names_in_expressions():
    assert names_in("cdiv(n, 256)") == {"n"}
    assert names_in("next_pow2(max(32, cdiv(n, 512))) * 4") == {"n"}
    assert names_in(256) == set()


def test_scaling_multiplies_data_sizes_and_follows_expressions(saxpy_spec):
    case = saxpy_spec.case("n4096")
    scaled = scale_case(saxpy_spec, case, 10 * MB)
    assert scaled.scalable and scaled.scaled == ("n",)
    n = scaled.case.size_map["n"]
    assert n == 4096 * scaled.factor and scaled.factor & (scaled.factor - 1) == 0  # power of two: 4096 is one
    assert bytes_moved(scaled.resolved) <= 10 * MB < bytes_moved(scaled.resolved) * 2
    assert scaled.resolved.launches[0].grid[0] == -(-n // 256)  # grid = cdiv(n, 256) follows
    odd = scale_case(saxpy_spec, saxpy_spec.case("n1000"), 10 * MB)  # not a power of two: any integer factor
    assert odd.case.size_map["n"] == 1000 * odd.factor
    assert 10 * MB - 12_000 < bytes_moved(odd.resolved) <= 10 * MB


def test_sizes_tied_to_the_launch_are_held(corpus):
    softmax = corpus["softmax_rows"]
    assert held_sizes(softmax) == {"threads": "launch[0].block"}
    scaled = scale_case(softmax, softmax.case("32x512_t128"), 50 * MB)
    sizes = scaled.case.size_map
    assert sizes["threads"] == 128 and sizes["rows"] == 32 * scaled.factor and sizes["cols"] == 512 * scaled.factor
    assert dict(scaled.held) == {"threads": "launch[0].block"}
    histogram = corpus["histogram"]
    grown = scale_case(histogram, histogram.case("n8192_b64"), 50 * MB)
    assert grown.case.size_map["bins"] == 64 and grown.case.size_map["n"] > 8192
    collatz = corpus["collatz"]  # max_steps is in no buffer shape: the work per element stays
    assert scale_case(collatz, collatz.cases[0], 50 * MB).case.size_map["max_steps"] == collatz.cases[0].size_map["max_steps"]


def test_not_scalable_when_the_data_size_is_tied_to_a_block(corpus):
    scan = corpus["scan_multiblock"]  # n sets launch[1]'s block (next_pow2(cdiv(n, 512)) threads)
    scaled = scale_case(scan, scan.cases[0], 400 * MB)
    assert not scaled.scalable and scaled.case is None
    assert scaled.reason.startswith("not scalable") and "launch[1].block" in scaled.reason


def test_growth_stops_at_launch_limits_and_the_flop_cap(corpus):
    scatter = corpus["scatter_add"]  # grid[1] = items may not pass 65535
    scaled = scale_case(scatter, scatter.case("512x16_into64"), 400 * MB)
    assert scaled.scalable and scaled.case.size_map["items"] <= 65535 and "grid[1]" in scaled.reason
    matmul = corpus["matmul_naive"]
    capped = scale_case(matmul, matmul.cases[0], 400 * MB, max_flops=1e9)
    m = capped.case.size_map["m"]
    assert 2 * m ** 3 <= 1e9 and "flop cap" in capped.reason


def test_scale_selection_keeps_one_case_per_kernel(corpus):
    chosen = selection([corpus["saxpy"], corpus["scan_multiblock"]], None)
    timed, not_scalable = scale_selection(chosen, 10 * MB)
    assert [(spec.name, len(cases)) for spec, cases in timed] == [("saxpy", 1)]
    assert timed[0][1][0].original.name == "n1000"  # the one closest to 10 MB
    assert {s.original.name for _, s in not_scalable} == {c.name for c in corpus["scan_multiblock"].cases}
    everything, _ = scale_selection(chosen, 10 * MB, all_cases=True)
    assert len(everything[0][1]) == 2
    document = scale_document(10, timed, not_scalable)
    assert document["cases"][0]["sizes"]["n"] % 1000 == 0 and document["cases"][0]["bytes"] <= 10 * MB
    assert len(document["not_scalable"]) == 3 and json.loads(json.dumps(document)) == document


def test_cli_dry_run_with_scale(corpus):
    from porter.cli.bench import bench

    paths = [str(corpus["saxpy"].path), str(corpus["scan_multiblock"].path)]
    result = CliRunner().invoke(bench, [*paths, "--dry-run", "--scale", "8", "--backend", "triton"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("scale: cases grown to move at most 8 MB")
    assert any(line.strip().startswith("saxpy/n1000@x") and "MB" in line for line in lines)
    assert any("scan_multiblock/n8192" in line and "not scalable" in line for line in lines)
    timing_lines = [line for line in lines if "  cuda  " in line or "  triton  " in line]
    assert [line.split()[1] for line in timing_lines] == ["cuda", "triton"]  # cuda added, first: the reference
    assert lines[-1].startswith("2 timings (1 kernels x backends cuda, triton)")
    bad = CliRunner().invoke(bench, [paths[1], "--dry-run", "--scale", "8"])
    assert bad.exit_code != 0 and "can be scaled" in bad.output


class RefCuda:
    """Outputs: the inputs (as if the kernel were the identity); 1 ms per run."""

    name = "cuda"
    delay = 1.0

    def unavailable(self, machine):
        return None

    def build(self, spec, machine):
        return Build(OK, "", "fake")

    def outputs(self, job):
        return {name: array.copy() for name, array in job.inputs[0].items()}

    def time(self, spec, build, jobs, settings):
        from porter.bench.timers import judge

        timings = []
        for job in jobs:
            outputs = self.outputs(job)
            correct, detail = judge(spec, job, outputs)
            times = [self.delay * (0.9 + 0.2 * i / (settings.runs - 1)) for i in range(settings.runs)]
            timings.append(Timing(OK, detail, times, correct, outputs))
        return timings


class RefHip(RefCuda):
    name = "hip"
    delay = 0.5  # twice as fast, and right


class WrongTriton(RefCuda):
    name = "triton"
    delay = 0.25

    def outputs(self, job):
        outputs = super().outputs(job)
        outputs["y"] = outputs["y"] + 1.0  # wrong everywhere
        return outputs


def test_scaled_run_checks_ports_against_cuda(monkeypatch, corpus, tmp_path):
    for backend, cls in (("cuda", "RefCuda"), ("hip", "RefHip"), ("triton", "WrongTriton")):
        monkeypatch.setitem(TIMERS, backend, f"{__name__}:{cls}")
    chosen = selection([corpus["saxpy"], corpus["scan_multiblock"]], None)
    timed, not_scalable = scale_selection(chosen, 2 * MB)
    scale = scale_document(2, timed, not_scalable)
    data = run_benchmark([(spec, [s.case for s in cases]) for spec, cases in timed], ["hip", "triton"],
                         Settings(runs=100, warmup=2, copies=2), FakeMachine(tmp_path / "build"),
                         peaks=PEAKS, scale=scale)
    assert validate_results(data) == [] and validate_results(json.loads(json.dumps(data))) == []
    by = {r["backend"]: r for r in data["results"]}
    assert list(by) == ["cuda", "hip", "triton"]  # cuda first: the reference
    assert by["cuda"]["correct"] is None and by["cuda"]["reference"] == "-"
    assert by["hip"]["correct"] is True and by["hip"]["reference"] == "cuda"
    assert by["triton"]["correct"] is False and "outside rtol" in by["triton"]["detail"]
    for record in data["results"]:
        assert record["bytes"] == bytes_moved_of(record) and record["sizes"]["n"] % 1000 == 0
        assert record["achieved_Bps"] == pytest.approx(record["bytes"] / (record["median_ms"] * 1e-3))
        assert record["bandwidth_fraction"] == pytest.approx(record["achieved_Bps"] / PEAKS["copy_Bps"])
    summary = data["summary"]
    assert summary["hip"]["geomean_speed_vs_cuda"] == pytest.approx(2.0)
    assert summary["triton"]["counted"] == 0 and summary["triton"]["geomean_speed_vs_cuda"] is None  # wrong: no time
    memory = summary["hip"]["memory_bound"]
    assert memory["cases"] == 1 and memory["best_case"].startswith("saxpy/n1000@x")
    assert memory["median_bandwidth_fraction"] == pytest.approx(by["hip"]["bandwidth_fraction"])
    assert data["scale"]["not_scalable"] and data["scale"]["target_MB"] == 2
    from porter.bench import report

    text = report.table_text(data)
    assert "memory-bound kernels" in text and "not scalable" in text and "0 counted" in text


def bytes_moved_of(record):
    return 12 * record["sizes"]["n"]  # saxpy: x read, y read and written, float32


def test_compare_in_chunks_matches_compare_outputs(saxpy_spec):
    n = 10_000
    expected = {"x": np.zeros(n, np.float32), "y": np.linspace(-1, 1, n, dtype=np.float32)}
    actual = {k: v.copy() for k, v in expected.items()}
    assert compare_in_chunks(saxpy_spec, expected, actual, chunk=1000) == (True, "")
    actual["y"][7321] += 0.5
    ok, detail = compare_in_chunks(saxpy_spec, expected, actual, chunk=1000)
    assert not ok and "y[321]" in detail and "from element 7000" in detail
