"""Where recorded goldens live, how they are read and written, and whether each is still fresh.

A spec ``ROOT/kernels/NAME.toml`` records into ``ROOT/recorded/NAME/CASE.npz`` (arrays) and
``CASE.json`` (provenance); a spec in any other folder ``DIR`` records into ``DIR/recorded``.
The npz holds ``input/BUFFER`` for every buffer (as it was before the run) and ``output/BUFFER``
for each ``out``/``inout`` buffer. A golden is *fresh* while the hashes of its kernel source and
of its resolved case match the spec's; otherwise it is *stale*; with no files it is *missing*.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from porter.atomic import write_bytes_atomic, write_text_atomic
from porter.golden.model import CaseSpec, KernelSpec
from porter.golden.resolve import case_hash, resolve_case

FORMAT_VERSION = 1
STATUSES = ("fresh", "stale", "missing", "orphan")


@dataclass(frozen=True)
class Entry:
    kernel: str
    case: str
    status: str  # one of STATUSES
    reason: str = ""
    gpu: str | None = None
    recorded_at: str | None = None


@dataclass(frozen=True)
class Golden:
    """One recorded case, as a checker uses it."""

    provenance: dict
    inputs: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray]


def default_store(spec_path: Path) -> Path:
    folder = Path(spec_path).parent
    return folder.parent / "recorded" if folder.name == "kernels" else folder / "recorded"


def case_paths(store: Path, kernel: str, case: str) -> tuple[Path, Path]:
    folder = Path(store) / kernel
    return folder / f"{case}.npz", folder / f"{case}.json"


def source_hash(spec: KernelSpec) -> str:
    return hashlib.sha256(spec.source.read_bytes()).hexdigest()


def save(store: Path, kernel: str, case: str, inputs: dict[str, np.ndarray],
         outputs: dict[str, np.ndarray], provenance: dict) -> Path:
    npz_path, json_path = case_paths(store, kernel, case)
    arrays = {f"input/{name}": value for name, value in inputs.items()}
    arrays.update({f"output/{name}": value for name, value in outputs.items()})
    stream = io.BytesIO()
    np.savez_compressed(stream, **arrays)
    write_bytes_atomic(npz_path, stream.getvalue())
    write_text_atomic(json_path, json.dumps(provenance, indent=1, sort_keys=True) + "\n")
    return npz_path


def load(store: Path, kernel: str, case: str) -> Golden:
    npz_path, json_path = case_paths(store, kernel, case)
    provenance = json.loads(json_path.read_text())
    with np.load(npz_path) as data:
        inputs = {k.split("/", 1)[1]: data[k] for k in data.files if k.startswith("input/")}
        outputs = {k.split("/", 1)[1]: data[k] for k in data.files if k.startswith("output/")}
    return Golden(provenance, inputs, outputs)


def entry_for(spec: KernelSpec, case: CaseSpec, store: Path) -> Entry:
    npz_path, json_path = case_paths(store, spec.name, case.name)
    if not npz_path.exists() or not json_path.exists():
        return Entry(spec.name, case.name, "missing")
    try:
        provenance = json.loads(json_path.read_text())
    except (OSError, ValueError):
        return Entry(spec.name, case.name, "stale", "provenance file is unreadable")
    gpu = provenance.get("gpu", {}).get("name")
    when = provenance.get("recorded_at")
    reason = _staleness(spec, case, provenance)
    return Entry(spec.name, case.name, "stale" if reason else "fresh", reason, gpu, when)


def _staleness(spec: KernelSpec, case: CaseSpec, provenance: dict) -> str:
    if provenance.get("format") != FORMAT_VERSION:
        return f"recorded in format {provenance.get('format')}, now {FORMAT_VERSION}"
    if provenance.get("source_sha256") != source_hash(spec):
        return f"{spec.source.name} changed"
    if provenance.get("case_sha256") != case_hash(resolve_case(spec, case)):
        return f"case changed in {spec.path.name}"
    return ""


def entries(spec: KernelSpec, store: Path) -> list[Entry]:
    """One entry per case of the spec, then one per recorded case the spec no longer has."""
    found = [entry_for(spec, case, store) for case in spec.cases]
    known = {case.name for case in spec.cases}
    folder = Path(store) / spec.name
    recorded = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
    found.extend(Entry(spec.name, name, "orphan", "no such case in the spec")
                 for name in recorded if name not in known)
    return found
