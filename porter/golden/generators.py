"""Computed inputs of format 2: ``sorted``, ``permutation``, ``table`` and ``csr``.

Each takes the buffer's seeded generator (see :mod:`.inputs`); ``csr`` seeds from the matrix's
name instead of the buffer's, so that its ``offsets`` and ``indices`` buffers describe one matrix.
"""

from __future__ import annotations

import hashlib

import numpy as np

from porter.golden.expr import ExpressionError, evaluate
from porter.golden.model import ResolvedBuffer, ResolvedCase

MAX_TABLE = 1 << 20  # elements of a `table`, evaluated one by one
MAX_CSR_CELLS = 1 << 28


def _sorted(rng: np.random.Generator, buffer: ResolvedBuffer, p: dict, case: ResolvedCase) -> np.ndarray:
    if isinstance(p["low"], int) and isinstance(p["high"], int):
        values = rng.integers(p["low"], p["high"], buffer.count, dtype=np.int64)
    else:
        values = rng.uniform(p["low"], p["high"], buffer.count)
    return np.sort(values, kind="stable")


def _permutation(rng: np.random.Generator, buffer: ResolvedBuffer, p: dict, case: ResolvedCase) -> np.ndarray:
    return int(p["start"]) + rng.permutation(buffer.count).astype(np.int64)


def _table(rng: np.random.Generator, buffer: ResolvedBuffer, p: dict, case: ResolvedCase) -> np.ndarray:
    if buffer.count > MAX_TABLE:
        raise ValueError(f"buffer {buffer.name}: a table of {buffer.count} elements is more than {MAX_TABLE}")
    names = dict(case.sizes)
    try:
        return np.array([evaluate(p["expr"], {**names, "i": i}) for i in range(buffer.count)], dtype=np.float64)
    except ExpressionError as error:
        raise ValueError(f"buffer {buffer.name}: table expr {p['expr']!r}: {error}") from None


def csr_matrix(case: ResolvedCase, p: dict) -> tuple[np.ndarray, np.ndarray]:
    """(row offsets, column indices) of a random rows x cols pattern with round(density*rows*cols)
    nonzeros at distinct positions, columns ascending within a row."""
    rows, cols, density = int(p["rows"]), int(p["cols"]), float(p["density"])
    if rows * cols > MAX_CSR_CELLS:
        raise ValueError(f"csr matrix {p['matrix']!r}: {rows}x{cols} is too large to draw")
    nnz = min(rows * cols, round(density * rows * cols))
    seed = hashlib.sha256(f"{case.kernel}\0{case.case}\0csr:{p['matrix']}\0{case.seed}\0{p.get('seed', 0)}".encode())
    rng = np.random.default_rng(int.from_bytes(seed.digest()[:8], "little"))
    cells = np.sort(rng.choice(rows * cols, nnz, replace=False))
    offsets = np.concatenate([[0], np.cumsum(np.bincount(cells // cols, minlength=rows))])
    return offsets.astype(np.int64), (cells % cols).astype(np.int64)


def _csr(rng: np.random.Generator, buffer: ResolvedBuffer, p: dict, case: ResolvedCase) -> np.ndarray:
    offsets, indices = csr_matrix(case, p)
    return offsets if p["part"] == "offsets" else indices


GENERATORS = {"sorted": _sorted, "permutation": _permutation, "table": _table, "csr": _csr}
