"""Whether a recorded golden's files can be trusted: readable, shaped as the spec says, unchanged.

A golden's provenance (``CASE.json``) carries ``data_sha256``, the SHA-256 of the exact bytes of
its ``CASE.npz``. Reading a golden checks, in this order: both files are there; the provenance is a
JSON object; the npz is not empty and opens as an npz archive whose every array can be read; it
holds exactly ``input/NAME`` for every buffer and ``output/NAME`` for every ``out``/``inout``
buffer, each with the buffer's storage dtype and shape; its bytes hash to ``data_sha256``. Any
failure raises :class:`~porter.golden.errors.GoldenDataError` naming the file and what is wrong.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from porter.golden.dtypes import DTYPES
from porter.golden.errors import GoldenDataError
from porter.golden.model import ResolvedCase

DATA_HASH_KEY = "data_sha256"
RECORD_AGAIN = "record it again: porter golden record"
REHASH = "run `porter golden rehash` to adopt the current data"


@dataclass(frozen=True)
class ArraySpec:
    """What one array of the npz must be."""

    key: str  # "input/x", "output/y"
    dtype: np.dtype
    shape: tuple[int, ...]


def data_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def label(path: Path) -> str:
    """``kernel/CASE.npz``: a golden file named the way a report shows it."""
    return f"{path.parent.name}/{path.name}"


def read_provenance(path: Path) -> dict:
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise GoldenDataError(path, f"{label(path)} (the provenance) is missing", RECORD_AGAIN) from None
    except (OSError, UnicodeDecodeError) as error:
        raise GoldenDataError(path, f"{label(path)} cannot be read: {error}", RECORD_AGAIN) from None
    try:
        provenance = json.loads(text)
    except ValueError as error:
        raise GoldenDataError(path, f"{label(path)} is not valid JSON: {error}", RECORD_AGAIN) from None
    if not isinstance(provenance, dict):
        raise GoldenDataError(path, f"{label(path)} is not a JSON object", RECORD_AGAIN)
    return provenance


def read_data(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise GoldenDataError(path, f"{label(path)} (the data) is missing", RECORD_AGAIN) from None
    except OSError as error:
        raise GoldenDataError(path, f"{label(path)} cannot be read: {error}", RECORD_AGAIN) from None
    if not data:
        raise GoldenDataError(path, f"{label(path)} is empty (0 bytes)", RECORD_AGAIN)
    return data


def read_arrays(path: Path, data: bytes) -> dict[str, np.ndarray]:
    """Every array of the npz, read in full (so a damaged member fails here, not in a checker)."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except Exception as error:  # noqa: BLE001 - whatever a damaged archive raises, it is this golden's error
        raise GoldenDataError(path, f"{label(path)} cannot be read as an npz archive (truncated or corrupted): "
                                    f"{type(error).__name__}: {error}", RECORD_AGAIN) from None


def layout_of_case(resolved: ResolvedCase) -> list[ArraySpec]:
    """The arrays a recording of ``resolved`` holds."""
    found = []
    for buffer in resolved.buffers:
        dtype = np.dtype(DTYPES[buffer.dtype].storage)
        found.append(ArraySpec(f"input/{buffer.name}", dtype, tuple(buffer.shape)))
        if buffer.role in ("out", "inout"):
            found.append(ArraySpec(f"output/{buffer.name}", dtype, tuple(buffer.shape)))
    return found


def layout_of_provenance(path: Path, provenance: dict) -> list[ArraySpec]:
    """The arrays the provenance's ``buffers`` table lists (when no spec is at hand)."""
    buffers = provenance.get("buffers")
    if not isinstance(buffers, dict) or not buffers:
        raise GoldenDataError(path, f"{label(path)} lists no buffers", RECORD_AGAIN)
    found = []
    try:
        for name, info in buffers.items():
            dtype, shape = np.dtype(info["storage"]), tuple(int(n) for n in info["shape"])
            found.append(ArraySpec(f"input/{name}", dtype, shape))
            if info["role"] in ("out", "inout"):
                found.append(ArraySpec(f"output/{name}", dtype, shape))
    except (KeyError, TypeError, ValueError) as error:
        raise GoldenDataError(path, f"{label(path)}: bad buffers table ({type(error).__name__}: {error})",
                              RECORD_AGAIN) from None
    return found


def check_layout(path: Path, arrays: dict[str, np.ndarray], layout: list[ArraySpec]) -> None:
    expected = {spec.key: spec for spec in layout}
    extra = sorted(set(arrays) - set(expected))
    if extra:
        raise GoldenDataError(path, f"{label(path)} holds arrays no buffer accounts for: {', '.join(extra)}",
                              RECORD_AGAIN)
    for key, spec in expected.items():
        if key not in arrays:
            raise GoldenDataError(path, f"{label(path)} has no array {key}", RECORD_AGAIN)
        array = arrays[key]
        if array.dtype != spec.dtype:
            raise GoldenDataError(path, f"{label(path)}: {key} is {array.dtype.str}, the spec says "
                                        f"{spec.dtype.str}", RECORD_AGAIN)
        if array.shape != spec.shape:
            raise GoldenDataError(path, f"{label(path)}: {key} has shape {array.shape}, the spec says "
                                        f"{spec.shape}", RECORD_AGAIN)


def check_hash(npz_path: Path, json_path: Path, data: bytes, provenance: dict) -> None:
    recorded = provenance.get(DATA_HASH_KEY)
    if recorded is None:
        raise GoldenDataError(json_path, f"{label(json_path)} has no data hash: re-record, or {REHASH}",
                              REHASH, status="unhashed")
    actual = data_hash(data)
    if actual != recorded:
        shown = recorded[:12] if isinstance(recorded, str) else repr(recorded)
        raise GoldenDataError(npz_path, f"{label(npz_path)} does not match its data hash (sha256 {actual[:12]}..., "
                                        f"recorded {shown}...): it changed after it was recorded", RECORD_AGAIN)
