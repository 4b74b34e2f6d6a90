"""Executors: run a candidate module on the harness's trials, in a process of its own.

``Executor.run(module_source, trials, time_it=...) -> RunResult`` is the whole interface; the
acceptance pipeline (:mod:`porter.llm.harness`) is target-neutral and only talks to it. The
Triton executor runs candidates under the Triton CPU interpreter (``TRITON_INTERPRET=1``, set
before Triton is imported in the subprocess) or, on a machine with a CUDA GPU, compiled and timed.
Children inherit no API keys and, where ``unshare`` allows, no network namespace.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from porter.golden.model import ResolvedCase

SECRET_HINTS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL")


@dataclass(frozen=True)
class Trial:
    """One run of the launch sequence: a resolved case, with every buffer's initial contents."""

    name: str
    kind: str  # golden | seed | heavy-tailed | held-out | poison-b
    case: ResolvedCase
    inputs: dict[str, np.ndarray] = field(repr=False)


@dataclass
class RunResult:
    ok: bool
    stage: str  # done | compile | run | timeout | crash
    error: str = ""
    outputs: list[dict[str, np.ndarray]] = field(default_factory=list, repr=False)
    seconds: float | None = None  # median device time of the first trial's launches, when timed
    wall: float = 0.0


class Executor(Protocol):
    target: str
    can_time: bool

    def run(self, module_source: str, trials: list[Trial], *, time_it: bool = False) -> RunResult: ...

    def close(self) -> None: ...


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """The parent's environment without anything that looks like a credential."""
    env = {k: v for k, v in os.environ.items() if not any(h in k.upper() for h in SECRET_HINTS)}
    env.update(extra)
    return env


@cache
def network_isolation() -> tuple[str, ...]:
    """``unshare -rn`` (a user + network namespace with no interfaces) where the kernel allows it."""
    tool = shutil.which("unshare")
    if tool is None:
        return ()
    try:
        ok = subprocess.run([tool, "-rn", "true"], check=False, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return (tool, "-rn") if ok else ()


def write_job(folder: Path, module_source: str, trials: list[Trial], *, device: str, time_it: bool) -> None:
    (folder / "candidate.py").write_text(module_source)
    job_trials, arrays = [], {}
    for index, trial in enumerate(trials):
        case = trial.case
        job_trials.append({
            "name": trial.name,
            "buffers": [b.name for b in case.buffers],
            "torch_dtype": {b.name: b.dtype for b in case.buffers if b.dtype == "bfloat16"},
            "scalars": dict(case.scalars),
            "launches": [{"kernel": l.kernel, "grid": l.grid, "block": l.block, "shared_bytes": l.shared_bytes,
                          "args": list(l.args)} for l in case.launches],
        })
        arrays.update({f"{index}/{name}": value for name, value in trial.inputs.items()})
    (folder / "job.json").write_text(json.dumps({"trials": job_trials, "device": device, "time": time_it}))
    np.savez(folder / "inputs.npz", **arrays)


def read_result(folder: Path, status: str, limit: float, started: float) -> RunResult:
    wall = time.perf_counter() - started
    if status == "timeout":
        return RunResult(False, "timeout", f"ran past the time limit of {limit:g} s", wall=wall)
    path = folder / "result.json"
    if not path.exists():
        return RunResult(False, "crash", f"the candidate's process died ({status}) before reporting", wall=wall)
    data = json.loads(path.read_text())
    outputs: list[dict[str, np.ndarray]] = []
    if (folder / "result.npz").exists():
        with np.load(folder / "result.npz") as arrays:
            for key in arrays.files:
                index, name = key.split("/", 1)
                while len(outputs) <= int(index):
                    outputs.append({})
                outputs[int(index)][name] = arrays[key]
    return RunResult(data["ok"], data["stage"], data["error"], outputs[: data["trials"]], data.get("seconds"), wall)


class TritonExecutor:
    """Triton candidates; ``interpret=None`` picks the CPU interpreter unless a CUDA GPU is present.

    ``reuse=True`` starts a fork server once (torch and Triton imported, no candidate code) and
    forks a fresh child per run; ``reuse=False`` starts a fresh interpreter per run.
    """

    target = "triton"

    def __init__(self, *, timeout: float = 60.0, interpret: bool | None = None, reuse: bool = True,
                 workdir: Path | None = None):
        self.timeout = timeout
        self.interpret = (not _cuda_available()) if interpret is None else interpret
        self.reuse = reuse
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="porter-llm-"))
        self._server: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._count = 0

    @property
    def can_time(self) -> bool:
        return not self.interpret

    def _env(self) -> dict[str, str]:
        return child_environment({"TRITON_INTERPRET": "1" if self.interpret else "0", "PYTHONHASHSEED": "0",
                                  "OMP_NUM_THREADS": "1"})

    def run(self, module_source: str, trials: list[Trial], *, time_it: bool = False) -> RunResult:
        with self._lock:
            self._count += 1
            folder = self.workdir / f"run{self._count:04d}"
            folder.mkdir(parents=True)
            write_job(folder, module_source, trials, device="cpu" if self.interpret else "cuda",
                      time_it=time_it and self.can_time)
            started = time.perf_counter()
            status = self._serve(folder) if self.reuse else self._spawn(folder)
            return read_result(folder, status, self.timeout, started)

    def _spawn(self, folder: Path) -> str:
        command = [*network_isolation(), sys.executable, "-m", "porter.llm.worker", str(folder)]
        try:
            done = subprocess.run(command, check=False, env=self._env(), capture_output=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            return "timeout"
        return "exited" if done.returncode == 0 else f"exit status {done.returncode}"

    def _serve(self, folder: Path) -> str:
        if self._server is None or self._server.poll() is not None:
            self._start_server()
        assert self._server is not None and self._server.stdin and self._server.stdout
        self._server.stdin.write(json.dumps({"dir": str(folder), "timeout": self.timeout}) + "\n")
        self._server.stdin.flush()
        line = _read_line(self._server.stdout, self.timeout + 30)
        if not line:
            self.close()
            return "the fork server died"
        return json.loads(line)["status"]

    def _start_server(self) -> None:
        command = [*network_isolation(), sys.executable, "-m", "porter.llm.worker", "--serve"]
        self._server = subprocess.Popen(command, env=self._env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
        if _read_line(self._server.stdout, 120) != "ready":
            self.close()
            raise RuntimeError("the Triton fork server did not start (is triton installed? pip install porter[triton])")

    def close(self) -> None:
        if self._server is not None:
            if self._server.poll() is None:
                self._server.stdin.close()
                try:
                    self._server.wait(10)
                except subprocess.TimeoutExpired:
                    self._server.kill()
                    self._server.wait()
            self._server = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _read_line(stream, limit: float) -> str:
    ready, _, _ = select.select([stream], [], [], limit)
    return stream.readline().strip() if ready else ""


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())
