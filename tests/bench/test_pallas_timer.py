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
    timing = time_jax_case(spec, module.KERNELS, job, settings)
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
    timing = time_jax_case(spec, module.KERNELS, job, settings)
    assert timing.correct is False


def test_pallas_timer_without_a_gpu_says_why(monkeypatch):
    from porter.bench import pallas_timer

    monkeypatch.setattr(pallas_timer, "jax_gpu_problem", lambda: "jax sees no GPU")
    assert pallas_timer.PallasTimer().unavailable(None) == "jax sees no GPU"
