"""The Pallas timer's protocol, run on the CPU with the port interpreted (no GPU needed), and its
answer on a machine without a GPU; the real GPU run is in test_gpu.py."""

from __future__ import annotations

import pytest

from porter.bench.run import case_jobs, selection
from porter.bench.timers import OK, Settings
from porter.golden import corpus_dir, load_spec

pytest.importorskip("jax")


def _interpreted_saxpy(tmp_path):
    import porter
    from porter.bench.python_timers import load_module

    spec = load_spec(corpus_dir() / "saxpy.toml")
    port = porter.translate(spec.source, "pallas", flavor="gpu")
    path = tmp_path / "saxpy_pallas_gpu.py"
    path.write_text(port.code)
    module = load_module(path, "porter_test_pallas_saxpy")
    module.INTERPRET = True
    return spec, module


def test_pallas_protocol_times_every_run_and_checks_the_outputs(tmp_path):
    from porter.bench.pallas_timer import time_jax_case

    spec, module = _interpreted_saxpy(tmp_path)
    settings = Settings(runs=5, warmup=1, copies=2)
    (_, cases), = selection([spec], "n1000")
    [job] = case_jobs(spec, cases, settings, store=None)[:1]
    timing = time_jax_case(spec, module.KERNELS, job, settings, clock="host")
    assert timing.status == OK and len(timing.times_ms) == 5 and min(timing.times_ms) > 0
    if job.golden_outputs is not None:
        assert timing.correct is True, timing.detail


def test_pallas_timer_reports_a_wrong_port_as_incorrect(tmp_path):
    from porter.bench.pallas_timer import time_jax_case

    spec, module = _interpreted_saxpy(tmp_path)
    right = module.KERNELS["saxpy"]
    module.KERNELS["saxpy"] = lambda n, a, x, y, **launch: right(n, a + 1.0, x, y, **launch)
    settings = Settings(runs=2, warmup=1, copies=1)
    (_, cases), = selection([spec], "n1000")
    [job] = case_jobs(spec, cases, settings, store=None)[:1]
    assert job.golden_outputs is not None
    timing = time_jax_case(spec, module.KERNELS, job, settings, clock="host")
    assert timing.correct is False


def test_pallas_timer_without_a_gpu_says_why(monkeypatch):
    from porter.bench import pallas_timer

    monkeypatch.setattr(pallas_timer, "jax_gpu_problem", lambda: "jax sees no GPU")
    assert pallas_timer.PallasTimer().unavailable(None) == "jax sees no GPU"


def _trace(*events):
    return [dict(zip(("cat", "name", "ts", "dur"), e)) for e in events]


def test_device_clock_spans_each_runs_device_work_only():
    from porter.bench.pallas_timer import RUN_LABEL, run_spans_ms

    events = _trace(
        ("kernel", "loop_add_fusion", 5.0, 40.0),           # the L2 flush, before run 0's range
        ("user_annotation", RUN_LABEL + "0", 100.0, 300.0),
        ("kernel", "saxpy", 150.0, 60.0),
        ("gpu_memcpy", "Memcpy DtoD", 215.0, 10.0),
        ("kernel", "saxpy", 230.0, 50.0),                    # run 0: 150 .. 280 us
        ("kernel", "copy_fusion", 420.0, 30.0),              # fresh inputs for run 1: outside both ranges
        ("user_annotation", RUN_LABEL + "1", 500.0, 120.0),
        ("kernel", "saxpy", 540.0, 45.5),                    # run 1: 45.5 us
        ("cpu_op", "aten::empty", 560.0, 1.0),
    )
    assert run_spans_ms(events, 2) == pytest.approx([0.130, 0.0455])


def test_device_clock_refuses_a_run_it_saw_no_device_work_in():
    from porter.bench.pallas_timer import RUN_LABEL, run_spans_ms

    events = _trace(("user_annotation", RUN_LABEL + "0", 0.0, 50.0), ("kernel", "saxpy", 60.0, 5.0))
    with pytest.raises(RuntimeError, match="no device work in timed run 0"):
        run_spans_ms(events, 1)
    events.append({"cat": "kernel", "name": "saxpy", "ts": 20.0, "dur": 5.0})
    assert run_spans_ms(events, 1) == pytest.approx([0.005])
    with pytest.raises(RuntimeError, match="no range for timed run 1"):
        run_spans_ms(events, 2)


def test_an_unknown_clock_is_refused(tmp_path):
    from porter.bench.pallas_timer import time_jax_case

    spec, module = _interpreted_saxpy(tmp_path)
    settings = Settings(runs=1, warmup=0, copies=1)
    (_, cases), = selection([spec], "n1000")
    [job] = case_jobs(spec, cases, settings, store=None)[:1]
    with pytest.raises(ValueError, match="unknown clock"):
        time_jax_case(spec, module.KERNELS, job, settings, clock="wall")
