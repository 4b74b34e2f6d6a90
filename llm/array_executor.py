"""What the Pallas and NKI executors share: a job run by :mod:`porter.llm.array_worker`.

Each run gets a fresh job folder (:func:`porter.llm.executor.write_job`: the candidate, the trials
and every buffer's initial contents), a copy of the standalone runner and whatever the target's
runtime needs that the sandbox does not show (:meth:`ArrayExecutor.stage`), and is deleted once
its results are read. By default the run happens in porter's sandbox (:mod:`porter.llm.sandbox`);
where none can be made the executor refuses to start unless built with ``unconfined=True``, which
runs the candidate as porter's own user in a plain subprocess (``unshare -rn`` where available).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

from porter.llm import sandbox
from porter.llm.executor import (JobFolders, RunResult, Trial, child_environment, network_isolation, read_result,
                                 write_job)
from porter.llm.sandbox import Limits

RUNNER = Path(__file__).with_name("array_worker.py")
#: Seconds an unconfined run may spend starting (the interpreter, numpy, jax) before the limit counts.
STARTUP = 120.0


class ArrayExecutor(JobFolders):
    """Candidates whose launchers return ``{parameter index: new array}`` (see array_worker.py)."""

    target = ""
    can_run = True

    def __init__(self, *, timeout: float = 120.0, device: str | None = None, workdir: Path | None = None,
                 unconfined: bool = False, limits: Limits | None = None):
        self.sandbox = sandbox.require(unconfined)
        self.timeout = timeout
        self.limits = limits or self.default_limits(timeout)
        self.device = device or self.detect_device()
        self._make_workdir(workdir, f"porter-llm-{self.target}-")
        self._lock = threading.Lock()
        self._count = 0

    # -- what a target changes ------------------------------------------------------------------
    def default_limits(self, timeout: float) -> Limits:
        return Limits(cpu_seconds=max(1, int(timeout) + 5))

    def detect_device(self) -> str:
        return "cpu"

    def settings(self) -> dict[str, str]:
        """Environment variables of the job (on top of the sandbox's allow-list)."""
        return {"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}

    def stage(self, folder: Path) -> None:
        """Put into the job folder what the runtime needs beyond the sandbox's read-only view."""

    # -- the interface ----------------------------------------------------------------------------
    @property
    def can_time(self) -> bool:
        return self.device == "cuda"

    @property
    def confined(self) -> bool:
        return self.sandbox is not None

    def run(self, module_source: str, trials: list[Trial], *, time_it: bool = False) -> RunResult:
        with self._lock:
            self._count += 1
            folder = self.workdir / f"run{self._count:04d}"
            folder.mkdir(mode=0o700)
            try:
                write_job(folder, module_source, trials, device=self.device, time_it=time_it and self.can_time)
                shutil.copyfile(RUNNER, folder / RUNNER.name)
                self.stage(folder)
                started = time.perf_counter()
                status = self._sandboxed(folder) if self.confined else self._spawn(folder)
                result = read_result(folder, status, self.timeout, started)
                if result.stage == "crash" and status.startswith("exit status"):
                    result = replace(result, error=f"{result.error} ({status})")
                return result
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    def _sandboxed(self, folder: Path) -> str:
        script = f"{sandbox.JOB}/{RUNNER.name}"
        job = sandbox.Job(folder, sandbox.python_command(script, sandbox.JOB, self.target),
                          sandbox.python_env(self.settings()), self.limits, device=self.device)
        status = job.run(self.timeout, started="started")
        if status.startswith("exit status") and job.stderr_tail.strip():
            status += f": {job.stderr_tail.strip().splitlines()[-1][:300]}"
        return status

    def _spawn(self, folder: Path) -> str:
        command = [*network_isolation(), sys.executable, str(folder / RUNNER.name), str(folder), self.target]
        try:
            done = subprocess.run(command, check=False, env=child_environment(self.settings()), capture_output=True,
                                  timeout=self.timeout + STARTUP)
        except subprocess.TimeoutExpired:
            return "timeout"
        if done.returncode == 0:
            return "exited"
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return f"exit status {done.returncode}: {tail[0][:300]}"

