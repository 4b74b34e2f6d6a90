"""The timers of ``porter bench``, one per backend, and what they share.

A timer turns a spec and its cases into run times on this machine's GPU. :data:`TIMERS` maps a
backend name to ``"module:class"``; a class has

* ``name``;
* ``unavailable(machine) -> str | None``: why this machine cannot time the backend (None: it can);
* ``build(spec, machine) -> Build``: translate / compile once per spec (called from worker threads);
* ``time(spec, build, jobs, settings) -> list[Timing]``: one Timing per :class:`CaseJob`, in order.

Adding a backend is adding a class and a line here. Every timer follows the same protocol
(``porter.bench`` README in :mod:`porter.bench`): warm-up, device-wide synchronization, device
events around each run, input sets rotated and restored before every run, L2 flushed before every
run, the whole launch sequence of the spec timed as one run.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from porter.check.compare import compare_outputs, poison_left
from porter.golden.errors import GoldenError
from porter.golden.model import CaseSpec, KernelSpec, ResolvedCase
from porter.golden.plan import PlanFormatError, decode_output, encode_plan

#: backend -> "module:class" of its timer, in the order the report shows them.
TIMERS = {
    "cuda": "porter.bench.timers:CudaTimer",
    "hip": "porter.bench.timers:HipTimer",
    "triton": "porter.bench.python_timers:TritonTimer",
    "pallas": "porter.bench.pallas_timer:PallasTimer",
    "triton-llm": "porter.bench.python_timers:OptimizedTritonTimer",  # with porter bench --optimized DIR
}

OK, FAILED, UNSUPPORTED, UNAVAILABLE = "ok", "failed", "unsupported", "unavailable"
STATUSES = (OK, FAILED, UNSUPPORTED, UNAVAILABLE)
PROCESS_TIMEOUT_S = 180


def timer_for(backend: str):
    module_name, class_name = TIMERS[backend].split(":")
    return getattr(importlib.import_module(module_name), class_name)()


@dataclass(frozen=True)
class Settings:
    runs: int = 100
    warmup: int = 10
    copies: int = 4  # input sets rotated between runs


@dataclass
class CaseJob:
    """One case to time: its input sets (set 0 is the golden's when one is recorded) and golden outputs."""

    spec: KernelSpec
    case: CaseSpec
    resolved: ResolvedCase
    inputs: list[dict[str, np.ndarray]]
    golden_outputs: dict[str, np.ndarray] | None = None
    plans: list[str] | None = None  # the input sets' plan files, written once for all native timers


@dataclass
class Timing:
    status: str
    detail: str = ""
    times_ms: list[float] = field(default_factory=list)
    correct: bool | None = None  # the first run's outputs against the golden (None: not compared)
    outputs: dict[str, np.ndarray] | None = field(default=None, repr=False)  # the first run's outputs


@dataclass
class Build:
    """What ``build`` made: an executable, a loaded module, or why there is none."""

    status: str = OK
    detail: str = ""
    artifact: object = None
    arch: str = ""


def judge(spec: KernelSpec, job: CaseJob, outputs: dict[str, np.ndarray] | None) -> tuple[bool | None, str]:
    """Whether the first run's outputs match the golden; (None, "") when there is nothing to compare."""
    if outputs is None or job.golden_outputs is None:
        return None, ""
    unwritten = poison_left(spec, outputs)
    ok, detail = compare_in_chunks(spec, job.golden_outputs, outputs, case=job.resolved)
    ok = ok and not unwritten
    return ok, "" if ok else "; ".join(d for d in (unwritten, detail) if d)


#: outputs larger than this many elements are compared in chunks on several threads (scaled cases)
CHUNK_ELEMENTS = 1 << 22


def compare_in_chunks(spec: KernelSpec, expected: dict[str, np.ndarray], actual: dict[str, np.ndarray],
                      chunk: int = CHUNK_ELEMENTS, case=None) -> tuple[bool, str]:
    """:func:`porter.check.compare.compare_outputs` (same tolerances), buffer by buffer and, for large
    buffers, over flat chunks in threads; a failure names its chunk's first element."""
    import dataclasses
    from concurrent.futures import ThreadPoolExecutor

    pieces = []
    for buffer in (b for b in spec.buffers if b.is_output):
        one = dataclasses.replace(spec, buffers=(buffer,))
        want, got = np.asarray(expected[buffer.name]).reshape(-1), np.asarray(actual[buffer.name]).reshape(-1)
        if want.size != got.size:
            return False, f"{buffer.name}: {got.size} elements, expected {want.size}"
        if want.size <= chunk:
            pieces.append((one, buffer.name, 0, expected[buffer.name], actual[buffer.name]))
            continue
        for start in range(0, want.size, chunk):
            pieces.append((one, buffer.name, start, want[start:start + chunk], got[start:start + chunk]))

    def check(piece) -> str:
        one, name, start, want, got = piece
        comparison = compare_outputs(one, {name: want}, {name: got}, case=case, flat_offset=start)
        if comparison.ok:
            return ""
        return comparison.detail if want.ndim != 1 or start == 0 and want.size == expected[name].size else (
            f"{comparison.detail} (flat index from element {start})")

    if len(pieces) == 1:
        problems = [check(pieces[0])]
    else:
        with ThreadPoolExecutor(min(16, cpu_count())) as pool:
            problems = list(pool.map(check, pieces))
    problems = [p for p in problems if p]
    if problems:
        more = f" (and {len(problems) - 1} more failing chunks)" if len(problems) > 1 else ""
        return False, problems[0] + more
    return True, ""


class NativeTimer:
    """Time a CUDA C++ file of the spec's kernels through a generated timing launcher (nvcc)."""

    name = "native"
    extra_flags: tuple[str, ...] = ()

    def unavailable(self, machine) -> str | None:
        if machine.nvcc is None:
            return machine.missing.get("nvcc", "no nvcc")
        if machine.gpu is None:
            return machine.missing.get("gpu", "no GPU")
        return None

    def kernel_file(self, spec: KernelSpec, folder: Path) -> tuple[Path | None, str, str]:
        """(file to #include, status, detail)."""
        raise NotImplementedError

    def launcher_source(self, spec: KernelSpec, include: Path) -> str:
        from porter.bench.cuda_source import generate_timing_launcher

        return generate_timing_launcher(spec, include=str(include))

    def build(self, spec: KernelSpec, machine) -> Build:
        from porter.golden.toolchain import compile_program

        folder = machine.build_dir / "bench" / self.name / spec.name
        folder.mkdir(parents=True, exist_ok=True)
        include, status, detail = self.kernel_file(spec, folder)
        if include is None:
            return Build(status, detail)
        source = folder / "timer.cu"
        source.write_text(self.launcher_source(spec, include))
        binary = folder / "timer"
        try:
            arch = compile_program(machine.nvcc, source, binary, machine.gpu, self.extra_flags)
        except GoldenError as error:
            return Build(FAILED, "nvcc: " + error.message[-800:])
        return Build(OK, "", binary, arch)

    def time(self, spec: KernelSpec, build: Build, jobs: list[CaseJob], settings: Settings) -> list[Timing]:
        folder = Path(build.artifact).parent / "runs"
        folder.mkdir(parents=True, exist_ok=True)
        lines, outputs = [], []
        shared = Path(build.artifact).parent.parent.parent / "plans"  # build_dir/bench/plans
        shared.mkdir(parents=True, exist_ok=True)
        for index, job in enumerate(jobs):
            if job.plans is None or not all(Path(p).exists() for p in job.plans):
                job.plans = []
                for copy, inputs in enumerate(job.inputs):
                    plan = shared / f"{spec.name}.{index}.{copy}.plan"
                    plan.write_bytes(encode_plan(job.resolved, inputs))
                    job.plans.append(str(plan))
            plans = job.plans
            output = folder / f"{index}.out"
            output.unlink(missing_ok=True)
            outputs.append(output)
            lines.append("\t".join([str(output), *plans]))
        jobfile = folder / "jobs.txt"
        jobfile.write_text("\n".join(lines) + "\n")
        results: dict[int, Timing] = {}
        first = 0
        while first < len(jobs):
            found, begun, why = run_timer(Path(build.artifact), jobfile, settings, first)
            results.update(found)
            if not why:
                break
            if begun is None or begun < first:  # failed before any case began: all the rest fail
                for index in range(first, len(jobs)):
                    results[index] = Timing(FAILED, why)
                break
            if begun not in found:
                results[begun] = Timing(FAILED, why)
            first = begun + 1  # go on in a fresh process (a failed kernel can spoil its context)
        for index in range(len(jobs)):
            results.setdefault(index, Timing(FAILED, "the timer printed no time for this case"))
        timings = []
        for index, job in enumerate(jobs):
            timing = results[index]
            if timing.status == OK:
                timing.outputs = _read_output(outputs[index], job)
                timing.correct, detail = judge(spec, job, timing.outputs)
                timing.detail = detail
            timings.append(timing)
        for path in outputs:  # outputs of scaled cases are hundreds of MB each (plans: see release_plans)
            path.unlink(missing_ok=True)
        return timings


def release_plans(jobs: list[CaseJob]) -> None:
    """Delete the jobs' plan files (after every backend has timed them)."""
    for job in jobs:
        for plan in job.plans or ():
            Path(plan).unlink(missing_ok=True)
        job.plans = None


def run_timer(binary: Path, jobfile: Path, settings: Settings, first: int) -> tuple[dict[int, Timing], int | None, str]:
    """Run the timing launcher from job line ``first``: (timings by line, the last line begun, why it
    failed: "" when it exited cleanly)."""
    command = [str(binary), str(jobfile), str(settings.runs), str(settings.warmup), str(first)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=PROCESS_TIMEOUT_S, check=False)
        stdout, stderr, code = result.stdout, result.stderr, result.returncode
    except subprocess.TimeoutExpired as expired:
        stdout = expired.stdout.decode() if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        stderr, code = f"the timer ran longer than {PROCESS_TIMEOUT_S} s", -1
    found, begun = parse_timer_output(stdout)
    if code == 0:
        return found, begun, ""
    detail = (stderr.strip() or stdout.strip()[-500:] or "no output")[-800:]
    return found, begun, f"timer exited with {code}: {detail}"


def parse_timer_output(stdout: str) -> tuple[dict[int, Timing], int | None]:
    """Timings by job line from ``case=I ... times_ms=...`` lines, and the last line begun."""
    found, begun = {}, None
    for line in stdout.splitlines():
        fields = dict(word.split("=", 1) for word in line.split() if "=" in word)
        if "begin" in fields:
            begun = int(fields["begin"])
        elif "case" in fields and "times_ms" in fields:
            times = [float(t) for t in fields["times_ms"].split(",") if t]
            found[int(fields["case"])] = Timing(OK, "", times)
    return found, begun


def _read_output(path: Path, job: CaseJob) -> dict[str, np.ndarray] | None:
    if not path.exists():
        return None
    try:
        return decode_output(path.read_bytes(), job.resolved, job.inputs[0])
    except PlanFormatError:
        return None


class CudaTimer(NativeTimer):
    """The original CUDA kernels."""

    name = "cuda"

    def kernel_file(self, spec, folder):
        return spec.source.resolve(), OK, ""


class HipTimer(NativeTimer):
    """porter's 32-lane HIP port, compiled with nvcc against porter's HIP-to-CUDA headers."""

    name = "hip"

    def __init__(self):
        from porter.check.hip import NVIDIA_HEADERS

        self.extra_flags = ("-I", str(NVIDIA_HEADERS))

    def kernel_file(self, spec, folder):
        import porter
        from porter.check.hip import HIP_VERSION, RUN_ARCH
        from porter.check.workers import first_error

        port = porter.translate(spec.source, "hip", hip_version=HIP_VERSION, offload_arch=RUN_ARCH)
        if port.errors:
            return None, UNSUPPORTED, first_error(port)
        path = folder / spec.source.name
        path.write_text(port.code)
        return path, OK, ""


def elapsed(started: float) -> float:
    return round(time.perf_counter() - started, 3)


def cpu_count() -> int:
    return max(1, os.cpu_count() or 1)
