"""HIP candidates: the AMD compile gate, then (on an NVIDIA GPU) a run through porter's HIP-to-CUDA headers.

Every step runs in porter's sandbox (:mod:`porter.llm.sandbox`), on a job folder that holds only
what the step needs, so neither the compilers' preprocessors (``#include "/some/file"``) nor the
candidate's program see porter's checkout, the store or other jobs:

1. **gate** -- ``hipcc --offload-arch=gfx90a -c`` on the candidate's text
   (:func:`porter.backends.hip.compile_gate.gate_command`); a failure is stage "compile".
2. **build** (NVIDIA GPU only) -- a launcher (:func:`launcher_source`, from the golden spec's kernel
   signatures) that includes the candidate, compiled by nvcc against a copy of porter's
   HIP-to-CUDA headers (backends/hip/nvidia/include) placed in the job folder; a failure is stage
   "compile". The launcher's own code (plan reading, guard zones, timing, output writing) comes
   *before* the candidate's text, so the candidate's macros cannot rewrite it.
3. **run** -- the launcher on every trial's plan (:mod:`porter.golden.plan`, the recorder's format)
   in one sandbox with the GPU's device files; each buffer is allocated with a guard zone after it,
   filled with a per-run sentinel byte and checked after the trial.

Where no NVIDIA GPU (or nvcc) is present, ``can_run`` is False and a candidate that passes the gate
comes back with stage "unavailable": it compiled, but nothing ran, so nothing can be accepted.
"""

from __future__ import annotations

import os
import secrets
import shutil
import threading
import time
from dataclasses import replace
from functools import cache
from pathlib import Path

from porter.llm import sandbox
from porter.llm.executor import RESULT_LIMIT, JobFolders, RunResult, Trial, read_result
from porter.llm.sandbox import Limits

GATE_ARCHES = ("gfx90a",)
UNAVAILABLE = "cannot run HIP candidates on this machine (needs an NVIDIA GPU and nvcc)"
#: Bytes of guard zone after each buffer: at least this, and at least a tenth of the buffer.
GUARD_BYTES = 4096
TIMING_REPS = 20
NVIDIA_HEADERS = Path(__file__).resolve().parents[1] / "backends" / "hip" / "nvidia" / "include"


class HipExecutor(JobFolders):
    """``spec``: the golden kernel spec (its kernel signatures make the launcher); without one, or
    without an NVIDIA GPU and nvcc, candidates are only gated. Every step runs in the sandbox, with
    ``unconfined`` or not: where none can be made, :class:`porter.llm.sandbox.SandboxUnavailable`."""

    target = "hip"
    uses_spec = True

    def __init__(self, *, spec=None, timeout: float = 120.0, workdir: Path | None = None, unconfined: bool = False,
                 limits: Limits | None = None, gate_arches: tuple[str, ...] = GATE_ARCHES, gpu=None,
                 nvcc: str | None = None):
        from porter.backends.hip.compile_gate import find_hipcc

        self.sandbox = sandbox.probe()  # compilers and the launcher run in the sandbox even when unconfined
        if not self.sandbox.ok:
            raise sandbox.SandboxUnavailable("porter runs HIP candidates (and their compilers) only in its "
                                             f"sandbox: {self.sandbox.describe()}")
        self.spec = spec
        self.timeout = timeout
        self.limits = limits or Limits(cpu_seconds=max(1, int(timeout) + 5))
        self.gate_arches = gate_arches
        self.hipcc = find_hipcc()
        self.gpu, self.nvcc = (gpu, nvcc) if gpu is not None else _nvidia()
        self._make_workdir(workdir, "porter-llm-hip-")
        self._lock = threading.Lock()
        self._count = 0

    @property
    def can_run(self) -> bool:
        return self.spec is not None and self.gpu is not None and self.nvcc is not None

    @property
    def can_time(self) -> bool:
        return self.can_run

    @property
    def confined(self) -> bool:
        return True

    def run(self, module_source: str, trials: list[Trial], *, time_it: bool = False) -> RunResult:
        with self._lock:
            self._count += 1
            root = self.workdir / f"run{self._count:04d}"
            root.mkdir(mode=0o700)
            started = time.perf_counter()
            try:
                gate = self.gate(module_source, root)
                if gate is not None:
                    return replace(gate, wall=time.perf_counter() - started)
                if not self.can_run:
                    why = UNAVAILABLE if self.spec is not None else "no golden spec given: HIP candidates are only gated"
                    return RunResult(False, "unavailable", why, wall=time.perf_counter() - started)
                return self._build_and_run(module_source, trials, root, time_it and self.can_time, started)
            finally:
                shutil.rmtree(root, ignore_errors=True)

    # -- 1. the AMD compile gate --------------------------------------------------------------------
    def gate(self, code: str, root: Path) -> RunResult | None:
        """None when the candidate compiles for every gate architecture, else the compile failure."""
        from porter.backends.hip.compile_gate import gate_command

        if self.hipcc is None:
            return RunResult(False, "unavailable", "hipcc is missing: HIP candidates cannot be gated "
                             "(Debian: apt-get install hipcc libamdhip64-dev)")
        for arch in self.gate_arches:
            folder = _fresh(root / f"gate-{arch}")
            (folder / "candidate.hip").write_text(code, encoding="utf-8", errors="replace")
            argv = gate_command(self.hipcc, arch, Path(sandbox.JOB) / "candidate.hip", Path(sandbox.JOB) / "candidate.o")
            status, output = self._sandboxed(folder, argv, {"HIP_PLATFORM": "amd"}, "cpu")
            if status == "timeout":
                return RunResult(False, "compile", f"hipcc ({arch}) ran past the time limit of {self.timeout:g} s")
            if status != "exited":
                return RunResult(False, "compile", f"hipcc ({arch}): {_first_error(output) or status}")
        return None

    # -- 2. and 3. build and run on an NVIDIA GPU ---------------------------------------------------
    def _build_and_run(self, code: str, trials: list[Trial], root: Path, time_it: bool, started: float) -> RunResult:
        from porter.golden.plan import encode_plan

        folder = _fresh(root / "job")
        (folder / "candidate.hip").write_text(code, encoding="utf-8", errors="replace")
        shutil.copytree(NVIDIA_HEADERS, folder / "include")
        secret = secrets.randbelow(255) + 1
        (folder / "launcher.cu").write_text(launcher_source(self.spec, "candidate.hip"))
        argv = [self.nvcc, "-O2", "-std=c++17", f"-arch=sm_{self.gpu.sm}", "-I", f"{sandbox.JOB}/include", "-o",
                f"{sandbox.JOB}/launcher", f"{sandbox.JOB}/launcher.cu"]
        status, output = self._sandboxed(folder, argv, {}, "cpu")
        if status != "exited":
            return RunResult(False, "compile", f"nvcc: {_first_error(output) or status}", wall=time.perf_counter() - started)
        args = [f"{sandbox.JOB}/launcher", str(secret), str(TIMING_REPS if time_it else 0)]
        for index, trial in enumerate(trials):
            (folder / f"plan{index}.bin").write_bytes(encode_plan(trial.case, trial.inputs))
            args += [f"{sandbox.JOB}/plan{index}.bin", f"{sandbox.JOB}/out{index}.bin"]
        status, output = self._sandboxed(folder, args, {}, "cuda", started="started")
        return self._collect(folder, trials, status, output, started)

    def _collect(self, folder: Path, trials: list[Trial], status: str, output: str, started: float) -> RunResult:
        from porter.golden.plan import PlanFormatError, decode_output

        wall = time.perf_counter() - started
        if status == "timeout":
            return read_result(folder, "timeout", self.timeout, started)
        outputs, violations = [], []
        for index, trial in enumerate(trials):
            data = _read(folder / f"out{index}.bin", RESULT_LIMIT)
            if data is None:
                error = _first_error(output) or status
                return RunResult(False, "run", f"trial {trial.name!r}: {error}", outputs, wall=wall)
            try:
                outputs.append(decode_output(data, trial.case, trial.inputs))
            except PlanFormatError as error:
                return RunResult(False, "run", f"trial {trial.name!r}: bad launcher output ({error})", outputs, wall=wall)
        for line in _text(folder / "guards.txt").splitlines():
            index, buffer, count = line.split()
            violations.append(f"trial {trials[int(index)].name!r}: buffer {buffer}: {count} byte(s) written past its end")
        seconds = _float(_text(folder / "seconds.txt"))
        result = RunResult(status == "exited", "done" if status == "exited" else "run",
                           "" if status == "exited" else (_first_error(output) or status), outputs, seconds, wall)
        if violations:
            if hasattr(result, "guard_violations"):
                result.guard_violations = violations
            else:  # no bounds check downstream: an overrun is a failed run
                return RunResult(False, "run", "; ".join(violations), outputs, wall=wall)
        return result

    def _sandboxed(self, folder: Path, argv: list[str], env: dict[str, str], device: str,
                   started: str | None = None) -> tuple[str, str]:
        job = sandbox.Job(folder, [str(a) for a in argv], {**sandbox.python_env({}), **env}, self.limits,
                          device=device)
        status = job.run(self.timeout, started=started, startup=self.timeout)
        return status, job.stderr_tail.replace(f"{sandbox.JOB}/", "")



# -- the launcher ----------------------------------------------------------------------------------
RUNNER = r"""
typedef void (*LaunchFunction)(Plan&);

static unsigned char sentinel_byte = 0;

static size_t guard_bytes(size_t size) {
  size_t tenth = size / 10;
  return tenth > GUARD ? tenth : GUARD;
}

static void upload(Plan& plan) {
  for (unsigned i = 0; i < BUFFERS; ++i) {
    size_t size = plan.host[i].size();
    if (plan.device[i] == nullptr) check(cudaMalloc(&plan.device[i], size + guard_bytes(size)), "cudaMalloc");
    check(cudaMemcpy(plan.device[i], plan.host[i].data(), size, cudaMemcpyHostToDevice), "cudaMemcpy to the GPU");
    check(cudaMemset(static_cast<unsigned char*>(plan.device[i]) + size, sentinel_byte, guard_bytes(size)),
          "cudaMemset");
  }
  check(cudaDeviceSynchronize(), "upload");
}

static void launch_all(Plan& plan, LaunchFunction const* launches, const char* const* names) {
  for (unsigned i = 0; i < LAUNCHES; ++i) {
    launches[i](plan);
    check(cudaGetLastError(), names[i]);
    check(cudaDeviceSynchronize(), names[i]);
  }
}

static int run_plans(int argc, char** argv, LaunchFunction const* launches, const char* const* names) {
  if (argc < 3 || (argc - 3) % 2 != 0) {
    std::fprintf(stderr, "usage: %s SENTINEL REPS PLAN OUTPUT [PLAN OUTPUT ...]\n", argv[0]);
    return 2;
  }
  sentinel_byte = static_cast<unsigned char>(std::atoi(argv[1]));
  int reps = std::atoi(argv[2]);
  std::FILE* started = std::fopen("/job/started", "w");
  if (started) std::fclose(started);
  std::FILE* guards = std::fopen("/job/guards.txt", "w");
  if (!guards) fail("cannot write", "guards.txt");
  for (int t = 0; 3 + 2 * t < argc; ++t) {
    Plan plan = read_plan(argv[3 + 2 * t]);
    if (plan.host.size() != BUFFERS || plan.scalars.size() != SCALARS || plan.launches.size() != LAUNCHES)
      fail("plan", "buffer, scalar or launch count does not match this launcher");
    plan.device.assign(BUFFERS, nullptr);
    upload(plan);
    launch_all(plan, launches, names);
    for (unsigned i = 0; i < BUFFERS; ++i) {
      size_t size = plan.host[i].size(), guard = guard_bytes(size);
      std::vector<unsigned char> zone(guard);
      check(cudaMemcpy(plan.host[i].data(), plan.device[i], size, cudaMemcpyDeviceToHost), "cudaMemcpy from the GPU");
      check(cudaMemcpy(zone.data(), static_cast<unsigned char*>(plan.device[i]) + size, guard,
                       cudaMemcpyDeviceToHost), "cudaMemcpy of a guard zone");
      size_t touched = 0;
      for (unsigned char byte : zone) touched += byte != sentinel_byte;
      if (touched) std::fprintf(guards, "%d %s %zu\n", t, BUFFER_NAMES[i], touched);
    }
    write_output(argv[4 + 2 * t], plan);
    if (t == 0 && reps > 0) {
      std::vector<float> samples;
      cudaEvent_t start, stop;
      check(cudaEventCreate(&start), "cudaEventCreate");
      check(cudaEventCreate(&stop), "cudaEventCreate");
      for (int r = 0; r < reps + 2; ++r) {
        Plan fresh = read_plan(argv[3]);
        for (unsigned i = 0; i < BUFFERS; ++i) plan.host[i] = fresh.host[i];
        upload(plan);
        check(cudaEventRecord(start), "cudaEventRecord");
        for (unsigned i = 0; i < LAUNCHES; ++i) launches[i](plan);
        check(cudaEventRecord(stop), "cudaEventRecord");
        check(cudaEventSynchronize(stop), "cudaEventSynchronize");
        check(cudaGetLastError(), "timed launches");
        float ms = 0;
        check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
        if (r >= 2) samples.push_back(ms);
      }
      std::sort(samples.begin(), samples.end());
      std::FILE* seconds = std::fopen("/job/seconds.txt", "w");
      if (seconds) {
        std::fprintf(seconds, "%.9g\n", samples[samples.size() / 2] * 1e-3);
        std::fclose(seconds);
      }
    }
    for (unsigned i = 0; i < BUFFERS; ++i) check(cudaFree(plan.device[i]), "cudaFree");
  }
  std::fclose(guards);
  return 0;
}
"""


def launcher_source(spec, include: str) -> str:
    """The run's launcher: porter's golden launcher pieces (plan reading, output writing, one launch
    function per launch), with every line of porter's own logic before the candidate's text."""
    from porter.golden.launcher import PRELUDE, _counts, _launch_function
    from porter.golden.validate import launch_signatures

    signatures = launch_signatures(spec)
    names = ", ".join(f'"{b.name}"' for b in spec.buffers)
    lines = [f"// porter: the launcher of HIP candidates for {spec.name}; generated, do not edit.",
             *(f"#include <{h}>" for h in ("algorithm", "cstdint", "cstdio", "cstdlib", "cstring", "vector")),
             "#include <cuda_runtime.h>", PRELUDE, _counts(spec),
             f"constexpr size_t GUARD = {GUARD_BYTES};",
             f"static const char* const BUFFER_NAMES[] = {{{names}}};", RUNNER,
             "}  // namespace porter_golden", "", f'#include "{include}"', "", "namespace porter_golden {"]
    for index, signature in enumerate(signatures):
        lines.extend(_launch_function(spec, index, signature))
    functions = ", ".join(f"launch_{i}" for i in range(len(signatures)))
    labels = ", ".join(f'"launch[{i}] {launch.kernel}"' for i, launch in enumerate(spec.launches))
    lines += [f"static void (*const LAUNCH_FUNCTIONS[])(Plan&) = {{{functions}}};",
              f"static const char* const LAUNCH_NAMES[] = {{{labels}}};",
              "}  // namespace porter_golden", "",
              "int main(int argc, char** argv) {",
              "  return porter_golden::run_plans(argc, argv, porter_golden::LAUNCH_FUNCTIONS, porter_golden::LAUNCH_NAMES);",
              "}"]
    return "\n".join(lines) + "\n"


@cache
def _nvidia():
    """(the GPU, nvcc's path), or (None, None) without an NVIDIA GPU or nvcc."""
    from porter.golden.errors import GoldenError
    from porter.golden.toolchain import find_gpu, find_nvcc

    try:
        return find_gpu(), str(find_nvcc().nvcc)
    except GoldenError:
        return None, None


def _fresh(folder: Path) -> Path:
    folder.mkdir(mode=0o700)
    return folder


def _first_error(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    found = next((line for line in lines if "error" in line), lines[-1] if lines else "")
    return found.strip()[:500]


def _read(path: Path, limit: int) -> bytes | None:
    """A file the job wrote, or None: never through a link it planted, never more than ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if info.st_mode & 0o170000 != 0o100000 or info.st_size > limit:
            return None
        return handle.read(limit)


def _text(path: Path) -> str:
    return (_read(path, 1 << 20) or b"").decode("utf-8", "replace")


def _float(text: str) -> float | None:
    try:
        return float(text.strip()) if text.strip() else None
    except ValueError:
        return None
