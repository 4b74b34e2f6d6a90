"""``nki.language`` as porter's model implements it (not AWS's nki): dtypes, buffers, allocation,
slicing helpers, loop iterators, tile-size constants and operator tokens.

Loops run as Python ranges; each one records its kind in the run's :class:`~.state.Trace`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from porter.backends.nki.model import ops as _ops
from porter.backends.nki.model import state as _state
from porter.backends.nki.model.dtypes import DTYPES as _DTYPES
from porter.backends.nki.model.errors import fail as _fail
from porter.backends.nki.model.tensor import MemoryRegion, Tensor, allocate
from porter.backends.nki.model.tensor import ds as _ds

__porter_model__ = True

float32 = "float32"
bfloat16 = "bfloat16"
tfloat32 = "tfloat32"
float16 = "float16"
int32 = "int32"
uint32 = "uint32"
int16 = "int16"
uint16 = "uint16"
int8 = "int8"
uint8 = "uint8"
bool_ = "bool_"
float8_e4m3 = "float8_e4m3"
float8_e5m2 = "float8_e5m2"
assert set(_DTYPES) <= set(globals()), "every model dtype has an nl.* name"

sbuf = MemoryRegion.sbuf
psum = MemoryRegion.psum
hbm = MemoryRegion.hbm
shared_hbm = MemoryRegion.shared_hbm
private_hbm = MemoryRegion.private_hbm

NkiTensor = Tensor
ds = _ds


class tile_size:
    """Trn2 (NeuronCore-v3) limits, as documented for nl.tile_size."""

    pmax = 128
    psum_fmax = 512
    gemm_stationary_fmax = 128
    gemm_moving_fmax = 512


def ndarray(shape: Any, dtype: Any, buffer: MemoryRegion = MemoryRegion.sbuf, name: str = "",
            address: Any = None) -> Tensor:
    """A new, uninitialised tensor: NaN (floats) or a poison pattern (integers)."""
    return allocate(shape, dtype, buffer, name)


class _LoopRange:
    def __init__(self, kind: str, args: tuple[Any, ...]) -> None:
        for value in args:
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
                raise _fail("compile-time-constant", f"nl.{kind} bound {value!r} is not a Python int")
        self.kind = kind
        self.range = range(*(int(a) for a in args))

    def __iter__(self) -> Iterator[int]:
        _state.current().trace.loops.append((self.kind, len(self.range)))
        return iter(self.range)

    def __len__(self) -> int:
        return len(self.range)


def _loop_args(start: Any, stop: Any, step: Any) -> tuple[Any, ...]:
    return (start,) if stop is None else (start, stop, step)


def affine_range(start: Any, stop: Any = None, step: Any = 1) -> _LoopRange:
    return _LoopRange("affine_range", _loop_args(start, stop, step))


def sequential_range(start: Any, stop: Any = None, step: Any = 1) -> _LoopRange:
    return _LoopRange("sequential_range", _loop_args(start, stop, step))


def static_range(start: Any, stop: Any = None, step: Any = 1) -> _LoopRange:
    return _LoopRange("static_range", _loop_args(start, stop, step))


globals().update(_ops.OPS)
max = _ops.OPS["maximum"]
min = _ops.OPS["minimum"]
