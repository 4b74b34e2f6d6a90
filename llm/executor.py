"""Executors: run a candidate module on the harness's trials, in a process of its own.

``Executor.run(module_source, trials, time_it=...) -> RunResult`` is the whole interface; the
acceptance pipeline (:mod:`porter.llm.harness`) is target-neutral and only talks to it. The
Triton executor runs candidates under the Triton CPU interpreter (``TRITON_INTERPRET=1``, set
before Triton is imported in the subprocess) or, on a machine with a CUDA GPU, compiled and timed.
Every run gets a fresh job folder, deleted once its results are read. By default each run happens
in a sandbox of its own (:mod:`porter.llm.sandbox`: bubblewrap, uid 65534, no view of porter or
the store, no network, rlimits, killed whole at the time limit); where the sandbox cannot be made
the executor refuses to start unless built with ``unconfined=True``, which runs candidates as
porter's own user (a fork server, ``unshare -rn`` where available). Either way the environment is
built from an allow-list.
"""

from __future__ import annotations

import hashlib
import hmac
import io
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

from porter.llm import sandbox
from porter.llm.sandbox import Limits

from porter.golden.model import ResolvedCase

#: The most bytes porter reads back from a job's result files.
RESULT_LIMIT = 1 << 30


@dataclass(frozen=True)
class Trial:
    """One run of the launch sequence: a resolved case, with every buffer's initial contents."""

    name: str
    kind: str  # golden | seed | heavy-tailed | held-out | poison-b
    case: ResolvedCase
    inputs: dict[str, np.ndarray] = field(repr=False)
    #: The order the CPU interpreter runs every launch's programs in: "forward", "reverse" or
    #: "shuffle:<int seed>" (a GPU runs them in its own order).
    order: str = "forward"


@dataclass
class RunResult:
    ok: bool
    stage: str  # done | compile | run | timeout | crash
    error: str = ""
    outputs: list[dict[str, np.ndarray]] = field(default_factory=list, repr=False)
    seconds: float | None = None  # median device time of the first trial's launches, when timed
    wall: float = 0.0
    #: "trial 'NAME': buffer B: N element(s) written past its end" (or before its start)
    guard_violations: list[str] = field(default_factory=list)
    #: torch ops the launcher ran on tensors itself, e.g. "aten::add.Tensor during launch of saxpy"
    host_compute: list[str] = field(default_factory=list)
    #: the worker's bound objects found rebound, or outputs changed between the checked and later runs
    tampering: list[str] = field(default_factory=list)


class Executor(Protocol):
    target: str
    can_time: bool

    def run(self, module_source: str, trials: list[Trial], *, time_it: bool = False) -> RunResult: ...

    def close(self) -> None: ...


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """An unconfined child's environment: the sandbox's allow-list, plus what the interpreter of
    porter's own environment needs to find its packages (``VIRTUAL_ENV`` is not needed: the venv's
    interpreter finds its site-packages itself)."""
    env = {name: os.environ[name] for name in sandbox.ALLOWED_ENV if name in os.environ}
    env["PATH"] = os.environ.get("PATH", sandbox.BASE_ENV["PATH"])
    env["HOME"] = tempfile.gettempdir()
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


def write_job(folder: Path, module_source: str, trials: list[Trial], *, device: str, time_it: bool,
              key: bytes | None = None) -> None:
    """The job folder a worker runs; with ``key``, a ``key`` file the worker reads and deletes before
    the candidate runs, and signs its results with (see :func:`read_result`)."""
    if key is not None:
        (folder / "key").write_bytes(key)
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
            "order": _checked_order(trial.order),
        })
        arrays.update({f"{index}/{name}": value for name, value in trial.inputs.items()})
    (folder / "job.json").write_text(json.dumps({"trials": job_trials, "device": device, "time": time_it}))
    np.savez(folder / "inputs.npz", **arrays)


def _checked_order(order: str) -> str:
    if order in ("forward", "reverse"):
        return order
    if order.startswith("shuffle:") and order[len("shuffle:"):].lstrip("-").isdigit():
        return order
    raise ValueError(f"unknown program order {order!r} (forward, reverse or shuffle:<int seed>)")


def read_result(folder: Path, status: str, limit: float, started: float, *, key: bytes | None = None) -> RunResult:
    """The run's results; with ``key``, only results the worker signed with it (anything else was
    written by the candidate, which shares the worker's process)."""
    wall = time.perf_counter() - started
    if status == "timeout":
        return RunResult(False, "timeout", f"ran past the time limit of {limit:g} s", wall=wall)
    try:
        text = _read_plain(folder / "result.json")
        data = json.loads(text) if text is not None else None
        if data is not None and not ({"ok", "stage", "error", "trials"} <= set(data)):
            raise ValueError("keys missing")
    except (ValueError, TypeError, OSError) as error:
        return RunResult(False, "crash", f"the job's result.json is unreadable ({error})", wall=wall)
    if data is None:
        return RunResult(False, "crash", f"the candidate's process died ({status}) before reporting", wall=wall)
    packed = _read_plain(folder / "result.npz", binary=True)
    if key is not None and not _signed(data, packed, key):
        why = "the job's results are not signed by the worker: written by the candidate"
        return RunResult(False, "crash", why, wall=wall, tampering=[why])
    outputs: list[dict[str, np.ndarray]] = []
    if packed is not None:
        with np.load(io.BytesIO(packed), allow_pickle=False) as arrays:
            for key in arrays.files:
                index, name = key.split("/", 1)
                while len(outputs) <= int(index):
                    outputs.append({})
                outputs[int(index)][name] = arrays[key]
    return RunResult(data["ok"], data["stage"], data["error"], outputs[: data["trials"]], data.get("seconds"), wall,
                     guard_violations=_strings(data.get("guard_violations")),
                     host_compute=_strings(data.get("host_compute")), tampering=_strings(data.get("tampering")))


def _signed(data: dict, packed: bytes | None, key: bytes) -> bool:
    """Whether result.json's ``mac`` is the worker's HMAC of the rest of it and of result.npz."""
    claimed = data.pop("mac", None)
    if not isinstance(claimed, str):
        return False
    mac = hmac.new(key, json.dumps(data, sort_keys=True).encode(), hashlib.sha256)
    mac.update(packed or b"")
    return hmac.compare_digest(mac.hexdigest(), claimed)


def _strings(value) -> list[str]:
    return [str(v)[:1000] for v in value] if isinstance(value, list) else []


def _read_plain(path: Path, *, binary: bool = False):
    """A result file the job wrote, or None: never through a link the job planted (porter may read
    as root), never more than RESULT_LIMIT bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not (info.st_mode & 0o170000 == 0o100000) or info.st_size > RESULT_LIMIT:
            raise ValueError(f"{path.name} is not a regular file under {RESULT_LIMIT} bytes")
        data = handle.read(RESULT_LIMIT)
    return data if binary else data.decode("utf-8")


class JobFolders:
    """A private folder of job folders (``workdir``), removed on close when porter made it."""

    def _make_workdir(self, workdir: Path | None, prefix: str) -> None:
        self._owned = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=prefix))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o700)

    def close(self) -> None:
        if self._owned:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class TritonExecutor:
    """Triton candidates; ``interpret=None`` picks the CPU interpreter unless a CUDA GPU is present.

    Each run happens in a fresh sandbox (a fresh interpreter: torch and Triton imported per run)
    unless ``unconfined=True``; :class:`porter.llm.sandbox.SandboxUnavailable` is raised here when
    no sandbox can be made and ``unconfined`` is False. Unconfined, ``reuse=True`` starts a fork
    server once (torch and Triton imported, no candidate code) and forks a fresh child per run;
    ``reuse=False`` starts a fresh interpreter per run.
    """

    target = "triton"

    def __init__(self, *, timeout: float = 60.0, interpret: bool | None = None, reuse: bool = True,
                 workdir: Path | None = None, unconfined: bool = False, limits: Limits | None = None):
        self.sandbox = sandbox.require(unconfined)
        self.limits = limits or Limits(cpu_seconds=max(1, int(timeout) + 5))
        self.timeout = timeout
        self.interpret = (not _cuda_available()) if interpret is None else interpret
        self.reuse = reuse
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="porter-llm-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.workdir.chmod(0o700)
        self._server: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._count = 0

    @property
    def can_time(self) -> bool:
        return not self.interpret

    @property
    def confined(self) -> bool:
        return self.sandbox is not None

    def _settings(self) -> dict[str, str]:
        return {"TRITON_INTERPRET": "1" if self.interpret else "0", "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}

    def _env(self) -> dict[str, str]:
        return child_environment(self._settings())

    def run(self, module_source: str, trials: list[Trial], *, time_it: bool = False) -> RunResult:
        with self._lock:
            self._count += 1
            folder = self.workdir / f"run{self._count:04d}"
            folder.mkdir(mode=0o700)
            try:
                key = os.urandom(32)
                write_job(folder, module_source, trials, device="cpu" if self.interpret else "cuda",
                          time_it=time_it and self.can_time, key=key)
                started = time.perf_counter()
                if self.confined:
                    status = self._sandboxed(folder)
                else:
                    status = self._serve(folder) if self.reuse else self._spawn(folder)
                return read_result(folder, status, self.timeout, started, key=key)
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    def _sandboxed(self, folder: Path) -> str:
        job = sandbox.Job(folder, sandbox.python_command(sandbox.WORKER, sandbox.JOB),
                          sandbox.python_env(self._settings()), self.limits,
                          device="cpu" if self.interpret else "cuda")
        status = job.run(self.timeout, started="started")
        if status.startswith("exit status") and job.stderr_tail.strip():
            status += f": {job.stderr_tail.strip().splitlines()[-1][:300]}"
        return status

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
