"""What the checkers share: a port's first error as a detail, a job run in a worker process, and
the worker's outputs judged against the goldens.

Each checker (triton, pallas, nki) runs ports in a fresh ``python -m porter.check.<backend> JOB``
process, so environment switches (``TRITON_INTERPRET``, ``JAX_PLATFORMS``) apply before the
framework is imported and a crashing port cannot take the check down. The worker prints its JSON
result as its last line of output.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

RUN_TIMEOUT_S = 600


def first_error(port) -> str:
    """`file:line:col: [id] message (+N more)` for the first error diagnostic of a port."""
    error = port.errors[0]
    more = f" (+{len(port.errors) - 1} more)" if len(port.errors) > 1 else ""
    return f"{error.span}: [{error.id}] {error.message}{more}"


def call_worker(module: str, job: dict, env: dict | None = None, timeout: float = RUN_TIMEOUT_S) -> tuple[dict | None, str]:
    """Run ``python -m module JOBFILE``; its last output line as JSON, or None and what went wrong."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(job, handle)
    try:
        done = subprocess.run([sys.executable, "-m", module, handle.name], env=env, capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout} s"
    finally:
        os.unlink(handle.name)
    last = done.stdout.strip().splitlines()[-1:] or [""]
    try:
        return json.loads(last[0]), ""
    except json.JSONDecodeError:
        return None, (done.stderr or done.stdout).strip()[-800:]


def load_module(path: str):
    """Import an emitted port (a Python file) by path."""
    spec = importlib.util.spec_from_file_location(Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def describe_error(error: Exception, head: int | None = None, tail: int | None = None) -> str:
    """`Type: message`, cut to ``head`` or ``tail`` characters; with PORTER_CHECK_TRACEBACK=1 set, the
    whole message and the traceback (for finding out why a lowering fails inside jax)."""
    text = str(error)
    if os.environ.get("PORTER_CHECK_TRACEBACK") == "1":
        return f"{type(error).__name__}: {text}\n{traceback.format_exc()}"
    text = text[:head] if head else text[-tail:] if tail else text
    return f"{type(error).__name__}: {text}"


def judge_worker_outputs(spec, cases: list, entries: list[dict], result: dict | None, detail: str,
                         backend: str, label: str, seconds: float) -> list:
    """One record per case from a worker's ``result`` (case name -> {"error"} or outputs written
    to ``entry["out"]``, optionally its own "label"): fail with the worker's reason, or the
    outputs compared with the golden, poisoned elements left unwritten counting as failures."""
    import numpy as np

    from porter.check.compare import compare_golden, poison_left
    from porter.check.records import FAIL, PASS, CheckRecord

    records = []
    for (case, golden), entry in zip(cases, entries):
        name = f"{spec.name}/{case.name}"
        outcome = (result or {}).get(case.name)
        if outcome is None or outcome.get("error"):
            why = (outcome or {}).get("error") or detail or "no result"
            records.append(CheckRecord(name, backend, label, FAIL, why[-500:], seconds=seconds))
            continue
        with np.load(entry["out"]) as data:
            outputs = {k: data[k] for k in data.files}
        unwritten = poison_left(spec, outputs)
        comparison = compare_golden(spec, case, golden, outputs)
        status = PASS if comparison.ok and not unwritten else FAIL
        why = "; ".join(d for d in (unwritten, comparison.detail) if d)
        records.append(CheckRecord(name, backend, outcome.get("label", label), status, why,
                                   comparison.max_abs_err, comparison.max_rel_err, seconds))
    return records
