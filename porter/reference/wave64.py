"""Check HIP ports of golden kernels as a 64-lane AMD GPU runs them, on the CPU.

For one golden kernel, :func:`check_wave64` translates the CUDA file for a 64-lane target
(``offload_arch="gfx90a"``) with the spec's launches (as ``porter check`` ports it), runs the
port on every recorded case with the CPU reference executor in its HIP dialect (``hip_shim.h``:
warpSize 64, 64-bit lane masks and ballots, shuffles that read zeros from lanes a partial
wavefront lacks, ROCm's mask checks) on the recorded inputs, and
compares the outputs with the recorded goldens exactly as ``porter check`` does (the spec's
tolerances; outputs left unwritten fail). The original CUDA file runs through the same executor
with 32-lane warps as a control: a control that fails means the executor, not the port, is wrong.

Outcomes per case: ``pass``; ``fail`` (wrong outputs, a fault such as a failed ROCm mask check or
a deadlock, or g++ rejecting the port); ``unsupported`` (porter reports an error for the port, or
the executor cannot run a construct of it), each with its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import porter
from porter.check.compare import compare_golden, poison_left
from porter.check.hip import spec_launches
from porter.check.records import FAIL, PASS, UNSUPPORTED
from porter.check.workers import first_error
from porter.golden.model import KernelSpec
from porter.reference.executor import (
    ReferenceError,
    ReferenceRejected,
    ReferenceUnsupported,
    run_reference,
)

WAVE64_ARCH = "gfx90a"
CONTROL = "cuda 32-lane"
PORT = "hip 64-lane"


@dataclass(frozen=True)
class Wave64Record:
    kernel: str
    case: str
    run: str  # CONTROL or PORT
    status: str  # PASS, FAIL or UNSUPPORTED
    detail: str = ""


def check_wave64(spec: KernelSpec, cases: list, *, hip_version: str | None = None, arch: str = WAVE64_ARCH,
                 edit_port: Callable[[str], str] | None = None, control: bool = True,
                 timeout: float = 30.0, launches: tuple[str, ...] | None = None) -> list[Wave64Record]:
    """``cases``: (CaseSpec, Golden) pairs. ``edit_port`` changes the port before it runs (tests:
    a wrong port must fail). ``launches``: the HIP option porter ports with (default: the spec's
    launches of these cases; ``()`` ports as if the launches were unknown). Returns the control's
    records (when ``control``), then the port's."""
    if launches is None:
        launches = spec_launches(spec, [case for case, _ in cases])
    options = {"offload_arch": arch, "launches": launches} | ({"hip_version": hip_version} if hip_version else {})
    port = porter.translate(spec.source, "hip", **options)
    records: list[Wave64Record] = []
    if control:
        source = spec.source.read_text()
        records += [_run(spec, case, golden, source, "cuda", 32, CONTROL, timeout) for case, golden in cases]
    if port.errors:
        return records + [Wave64Record(spec.name, case.name, PORT, UNSUPPORTED, "porter: " + first_error(port))
                          for case, _ in cases]
    code = edit_port(port.code) if edit_port else port.code
    lanes = int(port.options.get("wave_size", 64))
    return records + [_run(spec, case, golden, code, "hip", lanes, PORT, timeout) for case, golden in cases]


def _run(spec: KernelSpec, case, golden, source: str, dialect: str, lanes: int, label: str,
         timeout: float) -> Wave64Record:
    try:
        outputs = run_reference(source, spec, case, inputs=golden.inputs, dialect=dialect, lanes=lanes,
                                timeout=timeout)
    except ReferenceUnsupported as error:
        return Wave64Record(spec.name, case.name, label, UNSUPPORTED, f"executor: {error}")
    except ReferenceRejected as error:
        return Wave64Record(spec.name, case.name, label, FAIL, f"g++ rejects it: {error}")
    except ReferenceError as error:
        return Wave64Record(spec.name, case.name, label, FAIL, f"{type(error).__name__}: {error}")
    unwritten = poison_left(spec, outputs)
    comparison = compare_golden(spec, case, golden, outputs)
    status = PASS if comparison.ok and not unwritten else FAIL
    return Wave64Record(spec.name, case.name, label, status, "; ".join(d for d in (unwritten, comparison.detail) if d))
