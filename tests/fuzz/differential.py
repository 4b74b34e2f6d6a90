"""The differential step: a mutant's Triton port, run on the CPU interpreter, against the CUDA
mutant itself run by the reference executor (:func:`porter.reference.run_reference`).

:func:`compare_with_reference` returns None when the step cannot run (no reference executor, the
reference cannot run the kernel, the mutant faults or never ends there, or triton is missing) and
otherwise a :class:`Verdict`; a mutant g++ rejects is a verdict marked ``rejected`` (porter ported
code g++ refuses: often only g++'s stricter C++, e.g. a duplicated ``const``).
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from porter.check.compare import compare_outputs
from porter.check.workers import call_worker
from porter.golden.inputs import make_inputs
from porter.golden.resolve import resolve_case
from porter.golden.spec import load_spec

from tests.fuzz.mutants import GOLDEN


@dataclass(frozen=True)
class Verdict:
    ok: bool
    detail: str
    rejected: bool = False  # g++ rejects the mutant: no numbers were compared


def reference_executor():
    """``(run_reference, ReferenceError, ReferenceRejected)``."""
    from porter.reference import ReferenceError, ReferenceRejected, run_reference
    return run_reference, ReferenceError, ReferenceRejected


def smallest_case(spec):
    """The case with the fewest elements (by the sum of its sizes)."""
    return min(spec.cases, key=lambda case: sum(value for _, value in case.sizes))


def compare_with_reference(mutant_text: str, base: str, triton_code: str) -> Verdict | None:
    executor = reference_executor()
    if executor is None or importlib.util.find_spec("triton") is None:
        return None
    run_reference, cannot_run, rejected = executor
    spec = load_spec(GOLDEN / f"{base}.toml", check_source=False)
    case = smallest_case(spec)
    if not all(f"{launch.kernel!r}:" in triton_code for launch in spec.launches):
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
        module = folder / f"{base}_mutant.py"
        module.write_text(triton_code, encoding="utf-8")
        inputs, out = folder / "inputs.npz", folder / "out.npz"
        np.savez(inputs, **make_inputs(resolved))
        job = {"mode": "run", "device": "cpu", "module": str(module), "spec": str(spec.path), "cases": [{
            "name": case.name, "inputs": str(inputs), "out": str(out), "scalars": dict(resolved.scalars),
            "launches": [[l.kernel, list(l.grid), list(l.block), l.shared_bytes, list(l.args)]
                         for l in resolved.launches]}]}
        env = {**os.environ, "TRITON_INTERPRET": "1"}
        result, detail = call_worker("porter.check.triton", job, env)
        entry = (result or {}).get(case.name, {})
        if "error" in entry or result is None:
            return Verdict(False, f"the port did not run: {entry.get('error', detail)}")
        with np.load(out) as data:
            actual = {name: data[name] for name in data.files}
    comparison = compare_outputs(spec, expected, actual)
    return Verdict(comparison.ok, comparison.detail)
