"""Format 2's ``init = "file"``: a buffer's initial contents read from a ``.npy`` file.

``file`` is a path relative to the spec's folder and may name the case (``"data/{case}/x.npy"``),
so one buffer serves many cases (``porter golden capture`` writes one case per captured launch).
Resolving a case reads the file's SHA-256 into the resolved init, so the case hash, and with it
every golden's freshness, follows the data; making the inputs checks the file still has that hash,
the buffer's storage dtype and its element count.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from porter.golden.dtypes import DTYPES
from porter.golden.errors import SpecError
from porter.golden.model import InitSpec, ResolvedBuffer


def file_path(init: InitSpec, case: str) -> Path:
    return Path(init.base) / str(init.param("file")).replace("{case}", case)


def resolve_file(init: InitSpec, case: str, where: str) -> InitSpec:
    """``init`` for ``case``: the file's name with the case in it and its SHA-256."""
    path = file_path(init, case)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise SpecError(f"{where}.file", f"cannot read {path}: {error.strerror}",
                        "file is relative to the spec's folder; {case} stands for the case's name") from None
    name = str(init.param("file")).replace("{case}", case)
    return InitSpec("file", (("file", name), ("sha256", digest)), init.base)


def load_file(buffer: ResolvedBuffer) -> np.ndarray:
    """The buffer's contents from its file, flat, in the buffer's storage dtype."""
    path = Path(buffer.init.base) / str(buffer.init.param("file"))
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != buffer.init.param("sha256"):
        raise ValueError(f"buffer {buffer.name}: {path} changed since the case was resolved")
    values = np.load(path, allow_pickle=False)
    storage = np.dtype(DTYPES[buffer.dtype].storage)
    if values.dtype != storage or values.size != buffer.count:
        raise ValueError(f"buffer {buffer.name}: {path} holds {values.size} {values.dtype}, the buffer is "
                         f"{buffer.count} {storage}")
    return values.reshape(-1)
