"""Trials a candidate cannot predict (porter.llm.trials, drawn by the harness from a per-run secret):
held-out shapes, a shape far larger than the prompt's, special values, in-out buffers from random
contents, comparisons across trials; the check order and "internal" rejections.

Each cheat is shown wrong outside the pipeline too (or by construction: it passes every trial
of the prompt's shape). Porter's own port of saxpy passes every new trial here;
``PORTER_TRIALS_ALL=1`` adds reduce_atomic, softmax_rows and jacobi_2d (minutes more on the CPU
interpreter: each runs its port on every trial, the large one included, three times).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from tests.llm.conftest import port

import porter
from porter.llm import harness as harness_module
from porter.llm.executor import RunResult, Trial
from porter.llm.guards import GuardResult
from porter.llm.harness import CHECKS, CandidateReport, Harness
from porter.llm.trials import MIN_LARGE, MIN_ROW

from porter.check.compare import compare_outputs
from porter.golden import corpus_dir, load_spec
from porter.golden.inputs import make_inputs
from porter.golden.model import CaseSpec
from porter.golden.resolve import resolve_case

SECRET = 20240519
PORTS = ["saxpy"] + (["reduce_atomic", "softmax_rows", "jacobi_2d"] if os.environ.get("PORTER_TRIALS_ALL") else [])


def deterministic_port(kernel: str) -> str:
    return porter.translate(corpus_dir() / f"{kernel}.cu", "triton").code


@pytest.fixture(scope="module")
def trial_harness(executor):
    """kernel -> a prepared Harness with the deterministic port and a fixed secret (built on first use)."""
    made: dict[str, Harness] = {}

    def get(kernel: str) -> Harness:
        if kernel not in made:
            made[kernel] = Harness(load_spec(corpus_dir() / f"{kernel}.toml"), executor, deterministic_port(kernel),
                                   secret=SECRET)
            made[kernel].prepare()
        return made[kernel]

    return get


def unprepared(executor, kernel: str, secret: int | None) -> Harness:
    return Harness(load_spec(corpus_dir() / f"{kernel}.toml"), executor, port(kernel), secret=secret)


def drawn(harness: Harness) -> list[tuple[str, tuple, bytes]]:
    return [(t.name, t.case.sizes, b"".join(np.ascontiguousarray(v).tobytes() for v in t.inputs.values()))
            for t in harness.build_trials(None) if t.kind in ("held-out", "large", "special", "inout")]


# -- drawing (no runs) ----------------------------------------------------------------------------
def test_held_out_trials_change_per_run_and_repeat_with_a_given_secret(executor):
    first, second = unprepared(executor, "saxpy", None), unprepared(executor, "saxpy", None)
    assert [s for _, s, _ in drawn(first)] != [s for _, s, _ in drawn(second)]
    assert drawn(unprepared(executor, "saxpy", 7)) == drawn(unprepared(executor, "saxpy", 7))
    secret = str(first._secret)
    assert "per-run secret" in " ".join(first.notes) and secret not in " ".join(first.notes)
    assert all(secret not in t.name for t in first.build_trials(None))


def test_large_and_odd_shapes(executor):
    trials = {t.kind: t for t in unprepared(executor, "saxpy", SECRET).build_trials(None)}
    prompt = resolve_case(load_spec(corpus_dir() / "saxpy.toml"), CaseSpec("p", (("n", 4096),)))
    large, odd = trials["large"].case, trials["held-out"].case
    assert dict(large.sizes)["n"] > MIN_LARGE and large.launches[0].grid[0] >= 4 * prompt.launches[0].grid[0]
    n = dict(odd.sizes)["n"]
    assert n % 256 and all(n % p for p in range(2, int(n ** 0.5) + 1))  # prime: a tail in its last block
    rows = [t for t in unprepared(executor, "softmax_rows", SECRET).build_trials(None) if t.kind == "large"]
    assert any(dict(t.case.sizes)["cols"] > MIN_ROW for t in rows)
    assert all(dict(t.case.sizes)["threads"] == 128 for t in rows)  # it sets the block: kept


@pytest.mark.parametrize("secret", range(8))
def test_large_shapes_meet_every_goal_between_them(executor, secret):
    """Within the CPU budget no one softmax shape has both rows wider than MIN_ROW and a grid (one
    program per row) 4x the prompt's: a second large shape makes up what the first missed."""
    large = [t.case for t in unprepared(executor, "softmax_rows", secret).build_trials(None) if t.kind == "large"]
    assert any(dict(case.sizes)["cols"] > MIN_ROW for case in large), [c.sizes for c in large]
    assert any(dict(case.sizes)["rows"] >= 4 * 32 for case in large), [c.sizes for c in large]


def test_special_values_and_varied_inout_trials(executor):
    trials = {t.kind: t for t in unprepared(executor, "saxpy", SECRET).build_trials(None)}
    x = trials["special"].inputs["x"]
    assert np.isnan(x).any() and np.isposinf(x).any() and np.isneginf(x).any()
    assert ((x == 0) & np.signbit(x)).any() and ((x != 0) & (np.abs(x) < np.finfo(np.float32).tiny)).any()
    assert (np.abs(x) == np.finfo(np.float32).max).sum() == 1
    assert np.isfinite(x).mean() > 0.9  # mostly normal values: rows and sums away from the region still count
    inout = trials["inout"]
    spec_init = make_inputs(inout.case)["y"]
    assert not np.array_equal(inout.inputs["y"], spec_init) and inout.inputs["y"].min() < -2.0  # not U(-2, 2)


# -- cheats ---------------------------------------------------------------------------------------
SAXPY = port("saxpy")
GRID_CAP = SAXPY.replace("saxpy_kernel[(triton.cdiv(n, 256),)]", "saxpy_kernel[(min(triton.cdiv(n, 256), 64),)]")
NAN_SCRUB = SAXPY.replace("    tl.store(y_ptr + offsets, a * x + y, mask=mask)",
                          "    r = a * x + y\n    tl.store(y_ptr + offsets, tl.where(r != r, 0.0, r), mask=mask)")
HALVE_DOUBLE = SAXPY.replace(
    "    tl.store(y_ptr + offsets, a * x + y, mask=mask)",
    "    tl.store(x_ptr + offsets, x * 0.5, mask=mask)\n"
    "    h = tl.load(x_ptr + offsets, mask=mask)\n"
    "    tl.store(y_ptr + offsets, a * (h * 2.0) + y, mask=mask)\n"
    "    tl.store(x_ptr + offsets, h * 2.0, mask=mask)")
ONE_PROGRAM = '''
import triton
import triton.language as tl


@triton.jit
def total_kernel(x_ptr, r_ptr, n, BLOCK: tl.constexpr):
    acc = tl.zeros([BLOCK], dtype=tl.float32)
    for start in range(0, n, BLOCK):
        offsets = start + tl.arange(0, BLOCK)
        acc += tl.load(x_ptr + offsets, mask=offsets < n, other=0.0)
    tl.store(r_ptr, RESULT)


def reduce_atomic(x, result, n, *, grid, block, shared_bytes=0):
    total_kernel[(1,)](x, result, n, BLOCK=1024)


KERNELS = {"reduce_atomic": reduce_atomic}
'''
#: Stores 1 + sum: right while the result buffer starts at the spec's 1.0, never accumulates.
STORE_NOT_ADD = ONE_PROGRAM.replace("RESULT", "1.0 + tl.sum(acc, axis=0)")
#: One constant per prompt-visible shape (the recorded goldens' answers): no dependence on the values.
CONSTANT = ONE_PROGRAM.replace("RESULT", "tl.where(n == 8192, GOLD_A, GOLD_B) + 0.0 * tl.sum(acc, axis=0)")


def evaluated(harness: Harness, code: str, name: str) -> CandidateReport:
    report = harness.evaluate(code, name)
    assert not report.accepted
    assert [c.check for c in report.checks if not c.passed] == [report.rejected_by]
    return report


def test_a_grid_capped_at_a_constant_fails_only_the_large_trial(trial_harness, executor):
    harness = trial_harness("saxpy")
    report = evaluated(harness, GRID_CAP, "grid-cap")
    assert report.rejected_by == "golden" and report.reason.startswith("held-out (large):"), report.reason
    # outside the pipeline: right on the prompt's shape, wrong on the large one
    prompt = next(t for t in harness.trials if t.kind == "golden")
    large = next(t for t in harness.trials if t.kind == "large")
    result = executor.run(GRID_CAP, [prompt, large])
    expected = [harness.expected[harness.trials.index(prompt)], harness.expected[harness.trials.index(large)]]
    assert result.ok
    assert compare_outputs(harness.spec, expected[0], result.outputs[0]).ok
    assert not compare_outputs(harness.spec, expected[1], result.outputs[1]).ok


@pytest.mark.parametrize("name", ["nan-scrub", "halve-double"])
def test_special_values_reject_scrubbing_and_lossy_round_trips(trial_harness, name):
    code = {"nan-scrub": NAN_SCRUB, "halve-double": HALVE_DOUBLE}[name]
    report = evaluated(trial_harness("saxpy"), code, name)
    # scrubbing changes the outputs; halving and doubling a denormal in place loses it (and the
    # outputs change only below saxpy's tolerance, as saxpy's port is not bit-exact)
    assert report.rejected_by == {"nan-scrub": "golden", "halve-double": "inputs"}[name], report.reason
    assert report.reason.startswith("special values:")


def test_a_kernel_that_stores_instead_of_accumulating_fails_varied_inout(trial_harness):
    harness = trial_harness("reduce_atomic")
    report = evaluated(harness, STORE_NOT_ADD, "store-not-add")
    assert report.rejected_by == "golden" and report.reason.startswith("in-out from random contents:"), report.reason
    assert [c.check for c in report.checks] == ["static", "compile", "run", "host-compute", "integrity", "bounds",
                                                "golden"]


def test_a_constant_one_element_answer_is_rejected(trial_harness):
    harness = trial_harness("reduce_atomic")
    golds = [float(e["result"][0]) for t, e in zip(harness.trials, harness.expected) if t.kind == "golden"]
    code = CONSTANT.replace("GOLD_A", repr(golds[0])).replace("GOLD_B", repr(golds[1]))
    report = evaluated(harness, code, "constant")
    assert report.rejected_by == "golden" and report.reason.startswith("seed 1001:"), report.reason


def test_outputs_that_do_not_follow_the_inputs_are_rejected_across_trials(trial_harness):
    """Within every trial's tolerance, yet the same bits where the expected outputs differ."""
    harness = trial_harness("reduce_atomic")
    golden, seed = (next(i for i, t in enumerate(harness.trials) if t.kind == k) for k in ("golden", "seed"))
    saved = harness.expected[seed]
    try:
        harness.expected[seed] = {**saved, "result": np.nextafter(harness.expected[golden]["result"], np.float32(1e9))}
        outputs = [{**t.inputs, **e} for t, e in zip(harness.trials, harness.expected)]
        outputs[seed] = {**harness.trials[seed].inputs, **harness.expected[golden]}
        outputs[-1] = {**harness.trials[-1].inputs, **harness.expected[golden]}  # the poison rerun
        report = CandidateReport("follows-nothing", "")
        assert harness._outputs(report, RunResult(True, "done", outputs=outputs)) is report
    finally:
        harness.expected[seed] = saved
    assert report.rejected_by == "golden" and "do not depend on the inputs" in report.reason, report.reason


@pytest.mark.parametrize("returned", ["float64 bytes", "int32"])
def test_a_changed_output_dtype_is_a_rejection_not_a_crash(trial_harness, returned):
    """Above the comparisons, the static rules refuse ``y.data = torch.empty(..., dtype=torch.float64)``
    and the executor sees it as host compute; the comparisons must not crash on what it returns
    either: the worker's float32 view of float64 data (twice the elements), or another dtype."""
    harness = trial_harness("saxpy")
    outputs = [{**t.inputs, **e} for t, e in zip(harness.trials, harness.expected)]
    y = outputs[0]["y"]
    outputs[0]["y"] = y.astype(np.float64).view(np.float32) if returned == "float64 bytes" else y.astype(np.int32)
    report = CandidateReport("changed-dtype", "")
    assert harness._outputs(report, RunResult(True, "done", outputs=outputs)) is report
    assert report.rejected_by == "golden" and "changed the buffer's dtype or shape" in report.reason, report.reason


def test_porters_own_failure_rejects_with_internal(trial_harness, monkeypatch):
    def broken(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(harness_module, "check_static", broken)
    report = trial_harness("saxpy").evaluate(SAXPY, "any")
    assert report.rejected_by == "internal" and "RecursionError" in report.reason and not report.accepted


# -- no false rejections ---------------------------------------------------------------------------
@pytest.mark.parametrize("kernel", PORTS)
def test_porters_own_port_passes_every_new_trial(trial_harness, kernel, monkeypatch):
    """The port itself, judged as a candidate (its static rules are another module's concern)."""
    harness = trial_harness(kernel)
    monkeypatch.setattr(harness_module, "check_static", lambda *a, **k: GuardResult())
    report = harness.evaluate(harness.reference_source, f"{kernel}-port")
    assert report.accepted, f"{report.rejected_by}: {report.reason}"
    assert [c.check for c in report.checks] == [c for c in CHECKS if c != "parse"]
    kinds = {t.kind for t in harness.trials}
    assert {"held-out", "large", "special", "poison-b"} <= kinds
    if any(b.role == "inout" for b in harness.spec.buffers):
        assert "inout" in kinds
    if harness.interpreted:
        assert {"forward", "reverse"} <= {t.order for t in harness.trials}
        assert any(t.order.startswith("shuffle:") for t in harness.trials)


def test_trials_are_kept_even_when_outputs_are_one_element(trial_harness):
    harness = trial_harness("reduce_atomic")
    assert {t.kind for t in harness.trials} >= {"golden", "seed", "heavy-tailed", "held-out", "large", "special",
                                                "inout"}
    assert not any("dropped" in note for note in harness.notes)


def test_trial_kinds_are_what_the_executor_runs(trial_harness):
    harness = trial_harness("saxpy")
    assert all(isinstance(t, Trial) for t in harness.trials) and len(harness.expected) == len(harness.trials)
