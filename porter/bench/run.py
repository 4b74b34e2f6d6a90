"""Drive ``porter bench``: select cases, measure the GPU's ceilings, build and time every backend.

Results are data (a JSON-ready dict, :data:`SCHEMA`), never exceptions, so one broken kernel or
backend does not stop the rest.
"""

from __future__ import annotations

import dataclasses
import platform
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from porter import __version__
from porter.bench.model import bytes_moved, flops, roofline
from porter.bench.stats import geomean, median, summarize
from porter.bench.timers import (
    FAILED,
    OK,
    TIMERS,
    UNAVAILABLE,
    CaseJob,
    Settings,
    Timing,
    cpu_count,
    release_plans,
    timer_for,
)
from porter.golden.inputs import make_inputs
from porter.golden.model import CaseSpec, KernelSpec
from porter.golden.record import selected_cases
from porter.golden.resolve import resolve_case
from porter.golden.store import default_store, entry_for, load

SCHEMA = "porter.bench/1"
#: input set k > 0 uses the case's seed plus k times this (set 0 is the golden's inputs)
SEED_STRIDE = 7919


def selection(specs: Iterable[KernelSpec], case_glob: str | None) -> list[tuple[KernelSpec, list[CaseSpec]]]:
    return [(spec, cases) for spec in specs if (cases := selected_cases(spec, case_glob))]


def dry_run_lines(chosen: list[tuple[KernelSpec, list[CaseSpec]]], backends: list[str], settings: Settings) -> list[str]:
    """What a run would time, one line per case and backend."""
    lines = []
    for spec, cases in chosen:
        for case in cases:
            resolved = resolve_case(spec, case)
            work = flops(resolved)
            for backend in backends:
                lines.append(f"{spec.name}/{case.name}  {backend}  launches={len(spec.launches)}  "
                             f"bytes={bytes_moved(resolved)}  flops={work if work is not None else '-'}")
    total = sum(len(c) for _, c in chosen) * len(backends)
    lines.append(f"{total} timings ({len(chosen)} kernels x backends {', '.join(backends)}), "
                 f"{settings.runs} runs each after {settings.warmup} warm-up runs, {settings.copies} input sets")
    return lines


def case_jobs(spec: KernelSpec, cases: list[CaseSpec], settings: Settings, store: Path | None,
              use_golden: bool = True) -> list[CaseJob]:
    """The cases' input sets (set 0 the golden's when recorded and ``use_golden``), made in threads."""
    jobs = []
    with ThreadPoolExecutor(min(8, cpu_count())) as pool:
        for case in cases:
            resolved = resolve_case(spec, case)
            folder = store or default_store(spec.path)
            golden_outputs, first = None, None
            if use_golden and entry_for(spec, case, folder).status == "fresh":
                golden = load(folder, spec.name, case.name)
                first, golden_outputs = golden.inputs, golden.outputs
            variants = [dataclasses.replace(resolved, seed=resolved.seed + SEED_STRIDE * k)
                        for k in range(1, settings.copies)]
            made = list(pool.map(make_inputs, ([resolved] if first is None else []) + variants))
            sets = ([first] if first is not None else []) + made
            jobs.append(CaseJob(spec, case, resolved, sets, golden_outputs))
    return jobs


# ---------------------------------------------------------------------------------------------
# The machine: its ceilings and what it runs


def measure_peaks(machine, use_torch: bool = True) -> dict:
    """Copy bandwidth and fp32 FMA rate from porter's probe; fp32 and bf16 matmul rates from torch."""
    from porter.bench.cuda_source import PROBE_SOURCE
    from porter.golden.toolchain import compile_program

    peaks: dict = {"probe": {}, "torch": {}}
    folder = machine.build_dir / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    source, binary = folder / "probe.cu", folder / "probe"
    source.write_text(PROBE_SOURCE)
    compile_program(machine.nvcc, source, binary, machine.gpu)
    result = subprocess.run([str(binary)], capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        peaks["probe_error"] = (result.stderr or result.stdout).strip()[-500:]
    for line in result.stdout.splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            peaks["probe"][key] = _number(value)
    if use_torch:
        peaks["torch"] = torch_matmul_rates()
    probe, torch_rates = peaks["probe"], peaks["torch"]
    peaks["copy_Bps"] = probe.get("copy_Bps")
    peaks["fp32_flops_per_s"] = max((r for r in (probe.get("fp32_fma_flops_per_s"), torch_rates.get("fp32_flops_per_s"))
                                     if isinstance(r, float)), default=None)
    peaks["bf16_flops_per_s"] = torch_rates.get("bf16_flops_per_s")
    return peaks


def torch_matmul_rates(size: int = 8192, repeats: int = 10) -> dict:
    """Median rate of size^3 matmuls on random data: fp32 (no TF32) and bf16. {} without torch."""
    from porter.bench.python_timers import torch_problem

    if torch_problem():
        return {"error": torch_problem()}
    import torch

    rates = {"size": size}
    previous = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        for label, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
            a = torch.randn(size, size, device="cuda", dtype=dtype)
            b = torch.randn(size, size, device="cuda", dtype=dtype)
            for _ in range(3):
                torch.matmul(a, b)
            torch.cuda.synchronize()
            times = []
            for _ in range(repeats):
                start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                torch.matmul(a, b)
                stop.record()
                stop.synchronize()
                times.append(start.elapsed_time(stop))
            rates[f"{label}_ms"] = median(times)
            rates[f"{label}_flops_per_s"] = 2.0 * size ** 3 / (median(times) * 1e-3)
            del a, b
    finally:
        torch.backends.cuda.matmul.allow_tf32 = previous
        torch.cuda.empty_cache()
    return rates


def environment(machine) -> dict:
    """Who measured: GPU, driver, toolkit, library versions, date."""
    versions = {"porter": __version__, "python": platform.python_version(), "numpy": np.__version__}
    for name in ("torch", "triton", "jax", "matplotlib"):
        try:
            versions[name] = __import__(name).__version__
        except Exception:  # noqa: BLE001 - absent or broken: not part of this run
            versions[name] = None
    gpu = machine.gpu
    return {
        "gpu": dataclasses.asdict(gpu) if gpu else None,
        "nvcc": machine.nvcc.nvcc_version if machine.nvcc else None,
        "versions": versions,
        "host": platform.node(),
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


# ---------------------------------------------------------------------------------------------
# The run


def run_benchmark(chosen: list[tuple[KernelSpec, list[CaseSpec]]], backends: list[str], settings: Settings,
                  machine, store: Path | None = None, peaks: dict | None = None,
                  on_progress: Callable[[str], None] | None = None, command: str = "",
                  scale: dict | None = None, optimized: Path | None = None) -> dict:
    """Time every selected case on every backend; the results document (see :data:`SCHEMA`).

    ``optimized``: a folder of the LLM stage's kept Triton modules, timed as backend ``triton-llm``.

    With ``scale`` (from :func:`scale_document`: the cases of ``chosen`` are scaled ones, which have
    no golden) the CUDA original is timed first and its first run's outputs are the reference the
    other backends' outputs are compared with (the golden tolerances); a port's time counts in the
    summary only when its outputs match."""
    say = on_progress or (lambda message: None)
    reference = "cuda" if scale is not None else "golden"
    if reference == "cuda":
        backends = ["cuda", *(b for b in backends if b != "cuda")]
    timers = {name: timer_for(name) for name in backends}
    if optimized is not None:
        from porter.bench.python_timers import OptimizedTritonTimer

        backends = [*(b for b in backends if b != "triton-llm"), "triton-llm"]
        timers["triton-llm"] = OptimizedTritonTimer(optimized)
    why_not = {name: timer.unavailable(machine) for name, timer in timers.items()}
    if peaks is None:
        say("measuring the GPU's copy bandwidth and math rates")
        peaks = measure_peaks(machine)
    say(f"building {len(chosen)} kernels for {', '.join(n for n in backends if not why_not[n])}")
    work = [(spec, name) for spec, _ in chosen for name in backends if not why_not[name]]
    with ThreadPoolExecutor(min(16, cpu_count())) as pool:
        builds = dict(zip(((s.name, n) for s, n in work), pool.map(lambda w: timers[w[1]].build(w[0], machine), work)))
    records = []
    prepare = ThreadPoolExecutor(1)  # the next kernel's inputs are made while this one is timed
    upcoming = prepare.submit(case_jobs, *chosen[0], settings, store, reference == "golden") if chosen else None
    interrupted = False
    try:
        for index, (spec, cases) in enumerate(chosen):
            jobs = upcoming.result()
            upcoming = (prepare.submit(case_jobs, *chosen[index + 1], settings, store, reference == "golden")
                        if index + 1 < len(chosen) else None)
            for name in backends:
                if why_not[name]:
                    timings = [Timing(UNAVAILABLE, why_not[name]) for _ in jobs]
                else:
                    build = builds[(spec.name, name)]
                    if build.status != OK:
                        timings = [Timing(build.status, build.detail) for _ in jobs]
                    else:
                        say(f"timing {spec.name} on {name}")
                        timings = timers[name].time(spec, build, jobs, settings)
                if reference == "cuda" and name == "cuda":
                    for job, timing in zip(jobs, timings):
                        job.golden_outputs = timing.outputs if timing.status == OK else None
                for timing in timings:
                    timing.outputs = None
                records += [case_record(job, name, timing, peaks, reference) for job, timing in zip(jobs, timings)]
            release_plans(jobs)
            del jobs
    except KeyboardInterrupt:  # keep what was timed (a run under `timeout -s INT`)
        interrupted = True
        say("interrupted: writing the cases timed so far")
    prepare.shutdown(wait=False, cancel_futures=True)
    add_speedups(records)
    document = {
        "schema": SCHEMA,
        "command": command,
        "environment": environment(machine),
        "settings": {**dataclasses.asdict(settings), "l2_flush": "a buffer of max(4 x L2, 64 MiB) written before each run",
                     "input_sets": "set 0: the golden's inputs; set k: the case's seed + 7919 k; restored before each run"},
        "peaks": peaks,
        "backends": {name: {"available": not why_not[name], "why_not": why_not[name] or ""} for name in backends},
        "results": records,
        "summary": summarize_records(records, backends, reference),
    }
    if scale is not None:
        document["scale"] = scale
    if interrupted:
        document["interrupted"] = "the run was interrupted: only the cases above were timed"
    return document


def case_record(job: CaseJob, backend: str, timing: Timing, peaks: dict, reference: str = "golden") -> dict:
    nbytes, nflops = bytes_moved(job.resolved), flops(job.resolved)
    detail = timing.detail
    if reference == "cuda" and backend != "cuda" and timing.status == OK and job.golden_outputs is None:
        detail = (detail + "; " if detail else "") + "not checked: the CUDA original gave no outputs"
    record = {"kernel": job.spec.name, "case": job.case.name, "backend": backend, "category": job.spec.category,
              "launches": len(job.resolved.launches), "status": timing.status, "detail": detail,
              "correct": timing.correct, "reference": "-" if reference == "cuda" and backend == "cuda" else reference,
              "sizes": dict(job.resolved.sizes), "bytes": nbytes, "flops": nflops}
    if timing.status == OK and timing.times_ms:
        stats = summarize(timing.times_ms)
        record.update(stats)
        record.update(roofline(stats["median_ms"] * 1e-3, nbytes, nflops, peaks.get("copy_Bps"),
                               peaks.get("fp32_flops_per_s")))
    return record


def add_speedups(records: list[dict]) -> None:
    """speed_vs_cuda = CUDA's median / this backend's median (above 1: faster than the original)."""
    cuda = {(r["kernel"], r["case"]): r["median_ms"] for r in records if r["backend"] == "cuda" and "median_ms" in r}
    for record in records:
        base = cuda.get((record["kernel"], record["case"]))
        record["speed_vs_cuda"] = base / record["median_ms"] if base and "median_ms" in record else None


#: spec categories whose kernels are memory-bound by design (a roofline bound of "compute" still excludes one)
MEMORY_BOUND_CATEGORIES = ("elementwise", "normalization", "reduction", "layout", "gather", "stencil")


def counts(record: dict, reference: str) -> bool:
    """Whether a timed record counts in the summary: its outputs matched (or, against goldens, were not
    compared); against CUDA's outputs a port must have been checked and matched."""
    if record["status"] != OK or record.get("correct") is False:
        return False
    return reference != "cuda" or record["backend"] == "cuda" or record.get("correct") is True


def memory_bound_summary(timed: list[dict]) -> dict:
    """Bandwidth of the memory-bound kernels (:data:`MEMORY_BOUND_CATEGORIES`), one value per case."""
    group = [r for r in timed if r.get("category") in MEMORY_BOUND_CATEGORIES and r.get("bound") != "compute"
             and r.get("bandwidth_fraction")]
    if not group:
        return {"cases": 0}
    best = max(group, key=lambda r: r["bandwidth_fraction"])
    fractions = [r["bandwidth_fraction"] for r in group]
    return {
        "cases": len(group),
        "categories": list(MEMORY_BOUND_CATEGORIES),
        "median_bandwidth_fraction": median(fractions),
        "best_bandwidth_fraction": best["bandwidth_fraction"],
        "best_case": f"{best['kernel']}/{best['case']}",
        "at_least_70_percent": sum(f >= 0.7 for f in fractions),
        "median_time_ms": median([r["median_ms"] for r in group]),
        "geomean_speed_vs_cuda": geomean(r["speed_vs_cuda"] for r in group if r.get("speed_vs_cuda")),
    }


def summarize_records(records: list[dict], backends: list[str], reference: str = "golden") -> dict:
    summary = {}
    for name in backends:
        mine = [r for r in records if r["backend"] == name]
        timed = [r for r in mine if counts(r, reference)]
        memory = [r["bandwidth_fraction"] for r in timed if r.get("bound") == "memory" and r.get("bandwidth_fraction")]
        summary[name] = {
            "cases": len(mine),
            "timed": sum(r["status"] == OK for r in mine),
            "counted": len(timed),
            "failed": sum(r["status"] == FAILED for r in mine),
            "incorrect": sum(r.get("correct") is False for r in mine),
            "statuses": {s: sum(r["status"] == s for r in mine) for s in sorted({r["status"] for r in mine})},
            "geomean_speed_vs_cuda": geomean(r["speed_vs_cuda"] for r in timed if r.get("speed_vs_cuda")),
            "median_bandwidth_fraction_memory_bound": median(memory) if memory else None,
            "max_bandwidth_fraction_memory_bound": max(memory) if memory else None,
            "median_roofline_fraction": (median(f) if (f := [r["roofline_fraction"] for r in timed
                                                             if r.get("roofline_fraction")]) else None),
            "median_time_ms": median([r["median_ms"] for r in timed]) if timed else None,
            "memory_bound": memory_bound_summary(timed),
        }
    return summary


def validate_results(data: dict) -> list[str]:
    """Problems with a results document (empty: it follows :data:`SCHEMA`)."""
    problems = []
    for key, kind in (("schema", str), ("environment", dict), ("settings", dict), ("peaks", dict),
                      ("backends", dict), ("results", list), ("summary", dict)):
        if not isinstance(data.get(key), kind):
            problems.append(f"{key}: missing or not a {kind.__name__}")
    if problems:
        return problems
    if data["schema"] != SCHEMA:
        problems.append(f"schema: {data['schema']!r}, expected {SCHEMA!r}")
    for key in ("gpu", "nvcc", "versions", "date"):
        if key not in data["environment"]:
            problems.append(f"environment.{key}: missing")
    for index, record in enumerate(data["results"]):
        where = f"results[{index}]"
        for key in ("kernel", "case", "backend", "status", "bytes"):
            if key not in record:
                problems.append(f"{where}.{key}: missing")
        if record.get("status") not in ("ok", "failed", "unsupported", "unavailable"):
            problems.append(f"{where}.status: {record.get('status')!r}")
        if record.get("backend") not in TIMERS:
            problems.append(f"{where}.backend: {record.get('backend')!r}")
        if record.get("status") == OK:
            for key in ("runs", "median_ms", "p10_ms", "p90_ms", "iqr_ms", "achieved_Bps", "roofline_fraction"):
                if key not in record:
                    problems.append(f"{where}.{key}: missing for a timed case")
            if "median_ms" in record and not record["p10_ms"] <= record["median_ms"] <= record["p90_ms"]:
                problems.append(f"{where}: p10 <= median <= p90 does not hold")
    return problems


def _number(text: str):
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
