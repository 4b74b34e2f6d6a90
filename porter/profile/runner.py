"""``porter profile``: run a workload under the profiler that fits it and write the database.

* A Python workload (``python script.py``, ``python -m module``, or a ``.py`` file) runs under
  ``torch.profiler`` in its own process (:mod:`porter.profile.python_probe`).
* Anything else is a binary and runs under Nsight Compute (``ncu``), which reads per-kernel
  counters (durations, DRAM bytes, FLOPs). Nsight Systems' timeline export is not read by porter;
  without ``ncu`` porter says how to get it.
"""

from __future__ import annotations

import json
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from porter import __version__
from porter.profile import ncu, store, torch_trace
from porter.profile.chrome import write_chrome_trace


class ProfileError(RuntimeError):
    """The workload could not be profiled (with what to do about it)."""


def _is_python(command: list[str]) -> bool:
    first = Path(command[0]).name
    return command[0].endswith(".py") or first.startswith("python") or first == Path(sys.executable).name


def _python_target(command: list[str]) -> list[str]:
    """The probe's arguments for a Python command: ``SCRIPT ARGS`` or ``-m MODULE ARGS``."""
    if command[0].endswith(".py"):
        return command
    rest = command[1:]
    if not rest:
        raise ProfileError("the Python command names no script or module")
    return rest


def _gpu_meta() -> dict:
    smi = shutil.which("nvidia-smi")
    if not smi:
        return {}
    done = subprocess.run([smi, "--query-gpu=name,driver_version", "--format=csv,noheader"],
                          capture_output=True, text=True, timeout=60, check=False)
    first = done.stdout.strip().splitlines()[:1]
    if not first or "," not in first[0]:
        return {}
    name, driver = (part.strip() for part in first[0].split(",", 1))
    return {"gpu": name, "driver": driver}


def profile(command: list[str], database: Path, trace: Path | None = None, *, cwd: Path | None = None,
            timeout: float | None = None) -> tuple[store.Profile, int]:
    """Run ``command`` under a profiler; write ``database`` (and the Perfetto JSON ``trace``).
    Returns the profile and the workload's exit status."""
    if not command:
        raise ProfileError("no command to profile: porter profile -- CMD [ARGS...]")
    meta = {"command": shlex.join(command), "porter": __version__, "host": platform.node(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **_gpu_meta()}
    with tempfile.TemporaryDirectory(prefix="porter-profile-") as scratch:
        work = Path(scratch)
        if _is_python(command):
            result, status = _profile_python(command, work, meta, cwd, timeout)
            source_trace = work / "trace.json"
        else:
            result, status = _profile_binary(command, work, meta, cwd, timeout)
            source_trace = None
        store.write(result, database)
        if trace is not None:
            if source_trace is not None and source_trace.is_file():
                shutil.copyfile(source_trace, trace)  # Kineto's own trace: Perfetto opens it as is
            else:
                write_chrome_trace(result, trace)
    return result, status


def _run(argv: list[str], cwd: Path | None, timeout: float | None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(argv, cwd=cwd, timeout=timeout, check=False, stdout=None, stderr=subprocess.PIPE,
                              text=True)
    except FileNotFoundError:
        raise ProfileError(f"cannot run {argv[0]}: no such program") from None
    except subprocess.TimeoutExpired:
        raise ProfileError(f"the workload ran past {timeout:g} s") from None


def _profile_python(command, work: Path, meta: dict, cwd, timeout) -> tuple[store.Profile, int]:
    python = command[0] if not command[0].endswith(".py") else sys.executable
    # the probe is run as a file: it needs only the standard library and torch, so the workload's
    # Python (another virtual environment, say) need not have porter installed
    probe_file = Path(__file__).with_name("python_probe.py")
    argv = [python, str(probe_file), str(work), *_python_target(command)]
    try:
        done = subprocess.run(argv, cwd=cwd, timeout=timeout, check=False, stderr=subprocess.PIPE, text=True)
    except subprocess.TimeoutExpired:
        raise ProfileError(f"the workload ran past {timeout:g} s") from None
    if done.stderr:
        sys.stderr.write(done.stderr)
    probe = work / "probe.json"
    if not (work / "trace.json").is_file() or not probe.is_file():
        tail = done.stderr.strip().splitlines()[-3:]
        raise ProfileError("the Python workload left no profile (does its Python have torch?): "
                           + " / ".join(tail))
    info = json.loads(probe.read_text())
    meta.update({k: v for k, v in info.items() if k not in ("status", "error")}, profiler="torch.profiler")
    totals = {name: (c, t) for name, (c, t) in json.loads((work / "totals.json").read_text()).items()}
    trace = json.loads((work / "trace.json").read_text())
    return torch_trace.profile_from_trace(trace, meta, totals), int(info.get("status") or done.returncode)


def _profile_binary(command, work: Path, meta: dict, cwd, timeout) -> tuple[store.Profile, int]:
    if shutil.which("ncu") is None:
        raise ProfileError("profiling a binary needs Nsight Compute's `ncu` on the PATH (it ships with the CUDA "
                           "toolkit: add /usr/local/cuda/bin to PATH); Python workloads need only torch")
    log = work / "ncu.csv"
    done = _run([*ncu.command(ncu.FULL_METRICS, str(log)), *command], cwd, timeout)
    metrics = "full"
    if "metric" in (done.stderr or "").lower() and "fail" in (done.stderr or "").lower():
        done = _run([*ncu.command(ncu.TIME_METRICS, str(log)), *command], cwd, timeout)  # counters refused
        metrics = "time and geometry only"
    if not log.is_file():
        raise ProfileError(f"ncu wrote no results: {(done.stderr or '').strip()[-400:]}")
    meta.update(profiler="ncu", metrics=metrics)
    result = ncu.profile_from_csv(log.read_text(errors="replace"), meta)
    if not result.kernels:
        raise ProfileError("ncu recorded no kernel (did the program launch any? ncu's log: "
                           f"{log.read_text(errors='replace').strip()[-300:]})")
    return result, done.returncode
