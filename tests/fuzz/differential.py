"""The differential step: a mutant's port, run on the CPU, against the CUDA mutant itself run by the
reference executor (:func:`porter.reference.run_reference`).

Each tile backend's port runs in the worker its checker uses (``python -m porter.check.<backend>``,
the same job format), for the spec's smallest case, on the inputs porter's golden machinery makes:

* ``triton``: the Triton CPU interpreter (``TRITON_INTERPRET=1``, :mod:`porter.check.triton`);
* ``nki``: porter's executable NKI model on numpy (:mod:`porter.check.nki`, ``real`` off);
* ``pallas-gpu`` / ``pallas-tpu``: the Pallas interpreter on the CPU, ``interpret=True`` or the TPU
  interpreter with race detection (:mod:`porter.check.pallas`, ``JAX_PLATFORMS=cpu``).

The outputs are compared with :func:`porter.check.compare.compare_outputs` (the spec's tolerances,
as ``porter check`` compares with goldens). :func:`compare_with_reference` returns None when the
step cannot run (no reference executor, the reference cannot run the kernel, the mutant faults or
never ends there, the backend's framework is missing, the port lost a kernel of the spec) and
otherwise a :class:`Verdict`; a mutant g++ rejects is a verdict marked ``rejected`` (porter ported
code g++ refuses: often only g++'s stricter C++, e.g. a duplicated ``const``).
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from porter.check.compare import compare_outputs
from porter.check.workers import call_worker
from porter.golden.inputs import make_inputs
from porter.golden.resolve import resolve_case
from porter.golden.spec import load_spec

from tests.fuzz.mutants import GOLDEN


@dataclass(frozen=True)
class Runner:
    """How one backend's port runs on the CPU: its checker's worker, the job's extra fields, the
    environment the worker needs, the framework it imports."""
    worker: str
    job: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)
    framework: str = "numpy"


RUNNERS = {
    "triton": Runner("porter.check.triton", {"mode": "run", "device": "cpu"}, {"TRITON_INTERPRET": "1"}, "triton"),
    "nki": Runner("porter.check.nki", {"real": False}),
    "pallas-gpu": Runner("porter.check.pallas", {"mode": "interpret", "flavor": "gpu"},
                         {"JAX_PLATFORMS": "cpu"}, "jax"),
    "pallas-tpu": Runner("porter.check.pallas", {"mode": "interpret", "flavor": "tpu"},
                         {"JAX_PLATFORMS": "cpu"}, "jax"),
}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    detail: str  # the worst element of each output that disagrees, or why the port did not run
    rejected: bool = False  # g++ rejects the mutant: no numbers were compared


def reference_executor():
    """``(run_reference, ReferenceError, ReferenceRejected)``."""
    from porter.reference import ReferenceError, ReferenceRejected, run_reference
    return run_reference, ReferenceError, ReferenceRejected


def smallest_case(spec):
    """The case with the fewest elements (by the sum of its sizes)."""
    return min(spec.cases, key=lambda case: sum(value for _, value in case.sizes))


def mutant_diff(base_text: str, mutant_text: str, base: str) -> str:
    """The mutant as a unified diff against its golden kernel."""
    return "".join(difflib.unified_diff(base_text.splitlines(True), mutant_text.splitlines(True),
                                        f"golden/kernels/{base}.cu", "mutant", n=2))


def mismatch_report(backend: str, name: str, verdict: Verdict, diff: str) -> str:
    """What a failing differential run says: the backend, the mutant, the worst elements, the diff."""
    return f"[{backend}] {name}: {verdict.detail}\n{diff}"


def compare_with_reference(mutant_text: str, base: str, code: str, backend: str = "triton") -> Verdict | None:
    """``code`` (the mutant's port for ``backend``, a key of :data:`RUNNERS`) against the reference."""
    runner = RUNNERS[backend]
    executor = reference_executor()
    if executor is None or importlib.util.find_spec(runner.framework) is None:
        return None
    run_reference, cannot_run, rejected = executor
    spec = load_spec(GOLDEN / f"{base}.toml", check_source=False)
    case = smallest_case(spec)
    if not all(f"{launch.kernel!r}:" in code for launch in spec.launches):
        return None  # the mutant lost a kernel of the spec altogether (its text is gone): nothing to compare
    try:
        expected = run_reference(mutant_text, spec, case)
    except rejected as error:  # porter ported, with no error, a kernel the C++ compiler rejects
        return Verdict(False, f"g++ rejects the mutant that porter ported: {error}", rejected=True)
    except cannot_run:  # unsupported by the shim, or the mutant faults or never ends: no semantics to compare
        return None
    resolved = resolve_case(spec, case)
    with tempfile.TemporaryDirectory(prefix="porter-diff-") as folder:
        folder = Path(folder)
        module = folder / f"{base}_{backend.replace('-', '_')}_mutant.py"
        module.write_text(code, encoding="utf-8")
        inputs, out = folder / "inputs.npz", folder / "out.npz"
        np.savez(inputs, **make_inputs(resolved))
        job = {**runner.job, "module": str(module), "spec": str(spec.path), "cases": [{
            "name": case.name, "inputs": str(inputs), "out": str(out), "scalars": dict(resolved.scalars),
            "launches": [[l.kernel, list(l.grid), list(l.block), l.shared_bytes, list(l.args)]
                         for l in resolved.launches]}]}
        env = {k: v for k, v in os.environ.items() if k not in ("TRITON_INTERPRET", "JAX_PLATFORMS")}
        result, detail = call_worker(runner.worker, job, {**env, **runner.env})
        entry = (result or {}).get(case.name, {})
        if "error" in entry or result is None:
            return Verdict(False, f"the port did not run: {entry.get('error', detail)}")
        with np.load(out) as data:
            actual = {name: data[name] for name in data.files}
    comparison = compare_outputs(spec, expected, actual)
    return Verdict(comparison.ok, comparison.detail)
