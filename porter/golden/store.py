"""Where recorded goldens live, how they are read and written, and whether each is still fresh.

A spec ``ROOT/kernels/NAME.toml`` records into ``ROOT/recorded/NAME/CASE.npz`` (arrays) and
``CASE.json`` (provenance); a spec in any other folder ``DIR`` records into ``DIR/recorded``.
The npz holds ``input/BUFFER`` for every buffer (as it was before the run) and ``output/BUFFER``
for each ``out``/``inout`` buffer; the json carries ``data_sha256``, the SHA-256 of the npz bytes.

A golden is *fresh* while the hashes of its kernel source and of its resolved case match the spec's
and its data passes :mod:`porter.golden.integrity` (readable, shaped as the spec says, matching its
hash); *stale* when a hash differs; *corrupt* when a file is missing, unreadable, misshapen or
changed; *unhashed* when its provenance has no data hash (``porter golden rehash`` adopts one);
*missing* with neither file; *orphan* when recorded for a case the spec no longer has.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from porter.atomic import write_bytes_atomic, write_text_atomic
from porter.golden import integrity
from porter.golden.errors import GoldenDataError
from porter.golden.integrity import DATA_HASH_KEY
from porter.golden.model import CaseSpec, KernelSpec, ResolvedCase
from porter.golden.resolve import case_hash, resolve_case

#: Format 1 gained ``data_sha256`` compatibly: a format-1 golden without it is *unhashed*, not stale.
FORMAT_VERSION = 1
STATUSES = ("fresh", "stale", "missing", "orphan", "corrupt", "unhashed")


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
    """Write the npz, then the provenance with ``data_sha256`` of the exact npz bytes written."""
    npz_path, json_path = case_paths(store, kernel, case)
    arrays = {f"input/{name}": value for name, value in inputs.items()}
    arrays.update({f"output/{name}": value for name, value in outputs.items()})
    stream = io.BytesIO()
    np.savez_compressed(stream, **arrays)
    data = stream.getvalue()
    write_bytes_atomic(npz_path, data)
    _write_provenance(json_path, {**provenance, DATA_HASH_KEY: integrity.data_hash(data)})
    return npz_path


def _write_provenance(path: Path, provenance: dict) -> None:
    write_text_atomic(path, json.dumps(provenance, indent=1, sort_keys=True) + "\n")


def load(store: Path, kernel: str, case: str, resolved: ResolvedCase | None = None) -> Golden:
    """The recorded case, verified; :class:`GoldenDataError` when it cannot be trusted.

    The arrays are checked against ``resolved`` (the case as the spec gives it now) when given, else
    against the buffers the provenance lists; the npz bytes against the provenance's data hash.
    """
    npz_path, json_path = case_paths(store, kernel, case)
    provenance = integrity.read_provenance(json_path)
    data = integrity.read_data(npz_path)
    arrays = integrity.read_arrays(npz_path, data)
    layout = (integrity.layout_of_case(resolved) if resolved is not None
              else integrity.layout_of_provenance(json_path, provenance))
    integrity.check_layout(npz_path, arrays, layout)
    integrity.check_hash(npz_path, json_path, data, provenance)
    inputs = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("input/")}
    outputs = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("output/")}
    return Golden(provenance, inputs, outputs)


def open_case(spec: KernelSpec, case: CaseSpec, store: Path) -> tuple[Entry, Golden | None]:
    """The case's entry and, when it is fresh, its verified golden (read once)."""
    npz_path, json_path = case_paths(store, spec.name, case.name)
    if not npz_path.exists() and not json_path.exists():
        return Entry(spec.name, case.name, "missing"), None
    try:
        provenance = integrity.read_provenance(json_path)
    except GoldenDataError as error:
        return Entry(spec.name, case.name, error.status, error.message), None
    gpu = provenance.get("gpu", {}).get("name") if isinstance(provenance.get("gpu"), dict) else None
    when = provenance.get("recorded_at")
    reason = _staleness(spec, case, provenance)
    if reason:
        return Entry(spec.name, case.name, "stale", reason, gpu, when), None
    try:
        golden = load(store, spec.name, case.name, resolve_case(spec, case))
    except GoldenDataError as error:
        return Entry(spec.name, case.name, error.status, error.message, gpu, when), None
    return Entry(spec.name, case.name, "fresh", "", gpu, when), golden


def entry_for(spec: KernelSpec, case: CaseSpec, store: Path) -> Entry:
    return open_case(spec, case, store)[0]


def rehash(spec: KernelSpec, case: CaseSpec, store: Path) -> tuple[str, str]:
    """Give an *unhashed* golden whose data reads and matches the spec its ``data_sha256``.

    Returns ``(outcome, why)``: ``hashed`` (written now), ``kept`` (already fresh, hash verified),
    ``missing``, or the golden's status (``stale``, ``corrupt``) when it cannot be adopted.
    """
    entry = entry_for(spec, case, store)
    if entry.status == "fresh":
        return "kept", ""
    if entry.status != "unhashed":
        return entry.status, entry.reason
    npz_path, json_path = case_paths(store, spec.name, case.name)
    provenance = integrity.read_provenance(json_path)
    data = integrity.read_data(npz_path)
    integrity.check_layout(npz_path, integrity.read_arrays(npz_path, data),
                           integrity.layout_of_case(resolve_case(spec, case)))
    _write_provenance(json_path, {**provenance, DATA_HASH_KEY: integrity.data_hash(data)})
    return "hashed", ""


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
