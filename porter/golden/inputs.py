"""Make the inputs of a case: one seeded numpy generator per buffer, one function per distribution.

Each buffer's generator is seeded from (kernel, case, buffer, case seed), so buffers don't share
random streams and adding a buffer changes no other. The recorder stores what this makes next to
the outputs, so a check never needs to regenerate it (numpy may change its streams).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np

from porter.golden.dtypes import DTYPES, bf16_to_f32, poison_array, to_storage
from porter.golden.generators import GENERATORS as COMPUTED
from porter.golden.model import ResolvedBuffer, ResolvedCase

Generator = Callable[[np.random.Generator, ResolvedBuffer, dict], np.ndarray]


def make_inputs(case: ResolvedCase) -> dict[str, np.ndarray]:
    """Buffer name -> its initial contents (storage dtype, the buffer's shape)."""
    return {b.name: make_buffer(case, b) for b in case.buffers}


def make_buffer(case: ResolvedCase, buffer: ResolvedBuffer) -> np.ndarray:
    seed = buffer_seed(case.kernel, case.case, buffer.name, case.seed)
    params = dict(buffer.init.params)
    # format 2: a buffer's own `seed` joins the case's (absent, the stream is format 1's)
    rng = np.random.default_rng([seed, params["seed"]] if "seed" in params else seed)
    if buffer.init.kind == "poison":
        values = poison_array(buffer.dtype, buffer.count)
    elif buffer.init.kind == "file":
        from porter.golden.datafiles import load_file
        values = load_file(buffer)
    elif buffer.init.kind in COMPUTED:
        values = to_storage(COMPUTED[buffer.init.kind](rng, buffer, params, case), buffer.dtype)
    else:
        values = to_storage(GENERATORS[buffer.init.kind](rng, buffer, params), buffer.dtype)
    return values.reshape(buffer.shape)


def buffer_seed(kernel: str, case: str, buffer: str, seed: int) -> int:
    digest = hashlib.sha256(f"{kernel}\0{case}\0{buffer}\0{seed}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _normal(rng: np.random.Generator, buffer: ResolvedBuffer, p: dict) -> np.ndarray:
    return rng.normal(p["mean"], p["std"], buffer.count)


def _uniform(rng: np.random.Generator, buffer: ResolvedBuffer, p: dict) -> np.ndarray:
    return rng.uniform(p["low"], p["high"], buffer.count)


def _randint(rng: np.random.Generator, buffer: ResolvedBuffer, p: dict) -> np.ndarray:
    low, high = int(p["low"]), int(p["high"])
    if low >= high:
        raise ValueError(f"buffer {buffer.name}: randint needs low < high, got {low}, {high}")
    return rng.integers(low, high, buffer.count, dtype=np.int64)


def _arange(rng: np.random.Generator, buffer: ResolvedBuffer, p: dict) -> np.ndarray:
    return p["start"] + p["step"] * np.arange(buffer.count, dtype=np.int64)


def _full(rng: np.random.Generator, buffer: ResolvedBuffer, p: dict) -> np.ndarray:
    return np.full(buffer.count, p["value"])


def _offsets(rng: np.random.Generator, buffer: ResolvedBuffer, p: dict) -> np.ndarray:
    """Row pointers of a CSR matrix: 0, then running sums of random row lengths."""
    lengths = _randint(rng, ResolvedBuffer(buffer.name, buffer.dtype, (buffer.count - 1,), buffer.role,
                                           buffer.init), p)
    return np.concatenate([[0], np.cumsum(lengths)])


def edge_values(dtype: str) -> np.ndarray:
    """Values where ports differ: signed zeros, infinities, the largest and smallest numbers."""
    common = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, np.inf, -np.inf, 1e-3, -1e-3, 10.0, -10.0]
    if dtype == "bfloat16":
        extremes = bf16_to_f32(np.array([0x7F7F, 0x0080, 0x0001], dtype=np.uint16)).tolist()
    else:
        info = np.finfo(DTYPES[dtype].numpy)
        extremes = [float(info.max), float(info.tiny), float(info.smallest_subnormal)]
    return np.array(common + extremes + [-v for v in extremes], dtype=np.float64)


def _edge(rng: np.random.Generator, buffer: ResolvedBuffer, p: dict) -> np.ndarray:
    values = rng.normal(0.0, p["std"], buffer.count)
    special = edge_values(buffer.dtype)[: buffer.count]
    values[rng.permutation(buffer.count)[: len(special)]] = special
    return values


GENERATORS: dict[str, Generator] = {
    "normal": _normal,
    "uniform": _uniform,
    "randint": _randint,
    "zeros": lambda rng, buffer, p: np.zeros(buffer.count),
    "ones": lambda rng, buffer, p: np.ones(buffer.count),
    "full": _full,
    "arange": _arange,
    "edge": _edge,
    "offsets": _offsets,
}
