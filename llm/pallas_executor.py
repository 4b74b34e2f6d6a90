"""JAX Pallas candidates: the Pallas interpreter on the CPU, or a GPU where jax has one.

The runner (:mod:`porter.llm.array_worker`) sets the candidate's ``INTERPRET`` (True on the CPU,
as porter's own Pallas checker runs ports) and enables 64-bit types. jax comes from the
interpreter's site-packages, which the sandbox mounts read-only; nothing of porter is mounted.
Only a GPU run is timed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from functools import cache

from porter.llm.array_executor import ArrayExecutor
from porter.llm.sandbox import Limits

#: jax starts a thread per core for its CPU client; threads count against RLIMIT_NPROC.
THREADS = 1024


class PallasExecutor(ArrayExecutor):
    """``device``: "cpu" (the interpreter) or "cuda"; None picks "cuda" when jax sees a GPU."""

    target = "pallas"

    def default_limits(self, timeout: float) -> Limits:
        return Limits(cpu_seconds=max(1, int(timeout) + 5), processes=THREADS)

    def detect_device(self) -> str:
        return "cuda" if jax_sees_gpu() else "cpu"

    def settings(self) -> dict[str, str]:
        settings = {**super().settings(), "XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
        if self.device != "cuda":
            settings["JAX_PLATFORMS"] = "cpu"
        return settings


@cache
def jax_sees_gpu() -> bool:
    """Whether jax here finds a GPU (asked in a subprocess: importing jax here would pin its platform)."""
    if shutil.which("nvidia-smi") is None:
        return False
    code = "import jax\ntry:\n    print(len(jax.devices('gpu')))\nexcept Exception:\n    print(0)"
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    except (subprocess.TimeoutExpired, OSError):
        return False
    return done.stdout.strip()[-1:] in tuple("123456789")
