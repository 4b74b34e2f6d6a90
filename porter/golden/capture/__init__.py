"""``porter golden capture``: goldens from a real program's run, without writing specs.

``porter golden capture --source DIR -- PROGRAM ARGS...`` runs the user's CUDA program on an NVIDIA
GPU with a shim preloaded (``shim.c``, built at capture time) and records, for the first ``N``
(or every ``k``-th) launches of the kernels asked for, the geometry, stream, raw argument bytes,
every allocation a pointer argument points into (before and after the launch) and the
``__constant__`` symbols the program wrote; then writes ordinary format-2 specs and goldens
(:mod:`.writer`) that ``porter check`` and ``porter golden validate`` use unchanged.

Which level the shim interposes: the CUDA *runtime* API (``cudaLaunchKernel``, ``cudaMalloc*``,
``cudaFree*``, ``cudaMemcpyToSymbol*``, ``__cudaRegisterFunction``/``__cudaRegisterVar``), not the
driver API. ``cudaMemcpy*``/``cudaMemset*`` pass through untouched: the memory they change is read
at each sampled launch, which is all a golden needs (``cudaMemcpyToSymbol*`` is seen only to know
which symbols the program wrote). The runtime level is where kernel names and ``__constant__`` symbols are known: the
registration calls map each host stub to its device name and each symbol's host shadow to its name
and size, and ``cudaLaunchKernel`` hands over the stub and an array of argument pointers. At the
driver level (``cuLaunchKernel``) a launch names a ``CUfunction`` whose name is only known from
``cuModuleGetFunction``/``cuLibraryGetKernel`` calls that static cudart makes through private entry
points (``cuGetProcAddress``), so interposing them is fragile across CUDA versions. The cost: the
program must load ``libcudart.so`` (``nvcc -cudart shared``); a statically linked runtime is
detected with ``ldd`` and refused with that hint (P0131).

Parameter sizes and types come from porter's frontend reading the program's sources
(:mod:`.sources`): the shim copies raw argument bytes, the Python side decodes them. What cannot be
captured is reported per launch with a diagnostic (P0133 kernel not decodable, P0134 a failed launch
or copy, P0135 a pointer outside every allocation, P0136 aliasing arguments) and never written.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from porter.golden.capture.driver import Sampling, run_program, runtime_library
from porter.golden.capture.errors import CaptureError
from porter.golden.capture.index import Index, Skipped, read_index
from porter.golden.capture.sources import scan
from porter.golden.capture.writer import Written, write_specs

__all__ = ["CaptureError", "CaptureResult", "Sampling", "capture"]


@dataclass
class CaptureResult:
    folder: Path
    written: list[Written]
    skipped: list[Skipped]
    counts: dict[str, tuple[int, int]]  # kernel -> (launches seen, captured)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (diagnostic id, message) warnings

    @property
    def cases(self) -> int:
        return sum(len(w.cases) for w in self.written)


def capture(program: Path, args: list[str], sources: list[Path], out: Path, sampling: Sampling,
            timeout: float | None = None, cwd: Path | None = None) -> CaptureResult:
    """Run ``program args`` under the shim and write ``out/capture`` (raw), ``out/kernels`` (specs,
    kernel files, data) and ``out/recorded`` (goldens)."""
    program = _program(program)
    runtime = runtime_library(program)
    kernels = scan(sources)
    if not kernels:
        raise CaptureError("P0137", f"no __global__ kernel in {', '.join(map(str, sources))}",
                           "--source names the folders (or files) of the program's CUDA sources")
    folder = out / "capture"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    run_program(program, args, kernels, sampling, folder, cwd=cwd, timeout=timeout)
    index = read_index(folder, kernels)
    notes = _notes(index, sampling)
    provenance = {"program": str(program), "args": list(args), "runtime": runtime, "gpu": _gpu()}
    written = write_specs(index.launches, kernels, out, provenance) if index.launches else []
    result = CaptureResult(out, written, index.skipped, index.counts, notes)
    (folder / "summary.json").write_text(json.dumps(_summary(result), indent=1) + "\n")
    return result


def _program(program: Path) -> Path:
    found = program if program.exists() or "/" in str(program) else shutil.which(str(program))
    if found is None or not Path(found).is_file():
        raise CaptureError("P0132", f"cannot run {program}: no such program")
    return Path(found).resolve()


def _notes(index: Index, sampling: Sampling) -> list[tuple[str, str]]:
    notes = []
    if index.budget_hit:
        notes.append(("P0138", f"the byte budget ({sampling.max_bytes} bytes) was reached: later launches "
                               "were not captured"))
    if index.globals_:
        notes.append(("P0139", f"the program has __device__ variables ({', '.join(index.globals_)}): a kernel "
                               "that reads or writes them is not reproduced by its spec"))
    if not index.counts:
        notes.append(("P0137", "the program launched no kernel through cudaLaunchKernel"))
    elif sampling.kernels and not index.launches and not index.skipped:
        notes.append(("P0137", f"no launched kernel matches {', '.join(sampling.kernels)}; launched: "
                               f"{', '.join(sorted(index.counts))}"))
    return notes


def _gpu() -> dict:
    """The GPU's name and driver from nvidia-smi, or what is known without one."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return {"name": None, "note": "no nvidia-smi: the program ran on whatever libcudart it loaded"}
    result = subprocess.run([smi, "--query-gpu=name,driver_version", "--format=csv,noheader"],
                            capture_output=True, text=True, timeout=60)
    first = result.stdout.strip().splitlines()[:1]
    if result.returncode or not first:
        return {"name": None, "note": "nvidia-smi failed"}
    name, _, driver = first[0].partition(",")
    return {"name": name.strip(), "driver_version": driver.strip()}


def _summary(result: CaptureResult) -> dict:
    return {"specs": [{"spec": str(w.spec), "cases": list(w.cases)} for w in result.written],
            "skipped": [vars(s) for s in result.skipped],
            "launches": {k: {"seen": seen, "captured": got} for k, (seen, got) in result.counts.items()},
            "notes": [{"id": code, "message": text} for code, text in result.notes]}
