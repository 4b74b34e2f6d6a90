"""On an NVIDIA GPU only: the timers measure what they should. Skipped elsewhere.

The launcher compile test needs nvcc but no GPU.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from porter.bench.cuda_source import PROBE_SOURCE, generate_timing_launcher
from porter.bench.run import case_jobs, measure_peaks, selection
from porter.bench.stats import summarize
from porter.bench.timers import OK, CudaTimer, Settings, judge
from porter.golden import load_spec

from .conftest import COPY_CU, COPY_TOML, SAXPY_CU, SAXPY_SPIN_CU, SAXPY_TOML, needs_gpu, write_spec

needs_nvcc = pytest.mark.skipif(shutil.which("nvcc") is None, reason="needs nvcc")


@needs_nvcc
@pytest.mark.slow
def test_timing_launcher_and_probe_compile(saxpy_spec, tmp_path):
    from porter.golden.toolchain import compile_object, find_nvcc

    toolchain = find_nvcc()
    for name, text in (("timer.cu", generate_timing_launcher(saxpy_spec)), ("probe.cu", PROBE_SOURCE)):
        (tmp_path / name).write_text(text)
        compile_object(toolchain, tmp_path / name, tmp_path / f"{name}.o")


def _machine(tmp_path: Path):
    from porter.check.machine import Machine

    return Machine(tmp_path / "build")


def _time(spec, machine, settings, case_glob=None):
    timer = CudaTimer()
    build = timer.build(spec, machine)
    assert build.status == OK, build.detail
    (_, cases), = selection([spec], case_glob)
    jobs = case_jobs(spec, cases, settings, store=machine.build_dir / "no-store")
    return jobs, timer.time(spec, build, jobs, settings)


@needs_gpu
def test_copy_bandwidth_is_physical(tmp_path):
    machine = _machine(tmp_path)
    peaks = measure_peaks(machine, use_torch=False)
    spec = load_spec(write_spec(tmp_path / "kernels", "copy", COPY_CU, COPY_TOML))
    settings = Settings(runs=100, warmup=5, copies=2)
    _, (timing,) = _time(spec, machine, settings, "big")
    assert timing.status == OK, timing.detail
    nbytes = 2 * 4 * 4 * 4194304  # 64 MiB read, 64 MiB written
    achieved = nbytes / (summarize(timing.times_ms)["median_ms"] * 1e-3)
    theoretical = peaks["probe"].get("theoretical_Bps") or 0
    limit = theoretical if theoretical > 1e11 else 10e12  # no HBM moves 10 TB/s
    assert achieved <= 1.05 * limit, (achieved, theoretical)
    assert achieved >= max(1e11, 0.3 * peaks["copy_Bps"]), (achieved, peaks["copy_Bps"])
    assert timing.correct is None  # no golden recorded for this spec: nothing to compare


@needs_gpu
def test_a_slowed_kernel_is_reported_slower(tmp_path):
    machine = _machine(tmp_path)
    settings = Settings(runs=100, warmup=3, copies=2)
    fast = load_spec(write_spec(tmp_path / "fast", "saxpy", SAXPY_CU, SAXPY_TOML))
    slow = load_spec(write_spec(tmp_path / "slow", "saxpy", SAXPY_SPIN_CU, SAXPY_TOML))
    _, (fast_timing,) = _time(fast, machine, settings, "n4096")
    machine.build_dir = tmp_path / "build-slow"
    _, (slow_timing,) = _time(slow, machine, settings, "n4096")
    assert fast_timing.status == slow_timing.status == OK
    fast_ms, slow_ms = summarize(fast_timing.times_ms)["median_ms"], summarize(slow_timing.times_ms)["median_ms"]
    assert slow_ms > 2 * fast_ms, (fast_ms, slow_ms)
    assert slow_ms > 0.02  # 200k cycles of spinning is tens of microseconds


@needs_gpu
def test_cuda_timer_matches_the_golden_outputs():
    from porter.golden import corpus_dir

    spec = load_spec(corpus_dir() / "saxpy.toml")
    import tempfile

    from porter.check.machine import Machine

    with tempfile.TemporaryDirectory() as scratch:
        machine = Machine(Path(scratch))
        jobs, timings = _time(spec, machine, Settings(runs=100, warmup=2, copies=3))
    for job, timing in zip(jobs, timings):
        assert timing.status == OK and len(timing.times_ms) == 100
        if job.golden_outputs is not None:
            assert timing.correct is True, timing.detail
        assert judge(spec, job, None) == (None, "")


TRITON_SAXPY = '''
import triton
import triton.language as tl


@triton.jit
def _saxpy(n, a, x, y, BLOCK: tl.constexpr):
    i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = i < n
    tl.store(y + i, a * tl.load(x + i, mask=mask) + tl.load(y + i, mask=mask), mask=mask)


def saxpy(n, a, x, y, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0):
    _saxpy[(grid[0],)](n, a, x, y, BLOCK=block[0])


KERNELS = {"saxpy": saxpy}
'''


@needs_gpu
def test_triton_timer_follows_the_module_contract(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("triton")
    from porter.bench.python_timers import TritonTimer
    from porter.golden import corpus_dir

    spec = load_spec(corpus_dir() / "saxpy.toml")
    timer = TritonTimer(source=lambda spec: (TRITON_SAXPY, OK, ""))
    machine = _machine(tmp_path)
    assert timer.unavailable(machine) is None
    build = timer.build(spec, machine)
    settings = Settings(runs=100, warmup=3, copies=2)
    (_, cases), = selection([spec], None)
    jobs = case_jobs(spec, cases, settings, store=None)
    timings = timer.time(spec, build, jobs, settings)
    for job, timing in zip(jobs, timings):
        assert timing.status == OK, timing.detail
        assert len(timing.times_ms) == 100 and min(timing.times_ms) > 0
        if job.golden_outputs is not None:
            assert timing.correct is True, timing.detail


@needs_gpu
def test_pallas_timer_times_porters_port(tmp_path):
    pytest.importorskip("jax")
    from porter.bench.pallas_timer import PallasTimer
    from porter.golden import corpus_dir

    spec = load_spec(corpus_dir() / "saxpy.toml")
    timer = PallasTimer()
    machine = _machine(tmp_path)
    assert timer.unavailable(machine) is None
    build = timer.build(spec, machine)
    assert build.status == OK, build.detail
    settings = Settings(runs=100, warmup=3, copies=2)
    (_, cases), = selection([spec], None)
    jobs = case_jobs(spec, cases, settings, store=None)
    for job, timing in zip(jobs, timer.time(spec, build, jobs, settings)):
        assert timing.status == OK, timing.detail
        assert len(timing.times_ms) == 100 and min(timing.times_ms) > 0
        if job.golden_outputs is not None:
            assert timing.correct is True, timing.detail
