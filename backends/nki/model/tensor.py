"""Tensors of porter's NKI model: memory regions, allocation, views by indexing, reads and writes.

A :class:`Tensor` is a numpy view of some storage plus the NKI facts the rules need: its dtype,
the memory it lives in (HBM, SBUF or PSUM) and, per element, whether anything has written it yet.
Indexing returns views that share storage, as ``NkiTensor`` views do. All values move in and out
through :func:`read` and :func:`write`, so rounding to the dtype and the written-mask stay in one
place.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from math import prod
from typing import Any

import numpy as np
from porter.backends.nki.model import dtypes
from porter.backends.nki.model.errors import fail

PMAX = 128


class MemoryRegion(enum.Enum):
    sbuf = "sbuf"
    psum = "psum"
    hbm = "hbm"
    private_hbm = "private_hbm"
    shared_hbm = "shared_hbm"

    def __repr__(self) -> str:
        return f"nl.{self.value}"

    @property
    def on_chip(self) -> bool:
        return self in (MemoryRegion.sbuf, MemoryRegion.psum)


@dataclass(frozen=True)
class DynSlice:
    """``nl.ds(start, size)``: the slice ``start:start+size``."""

    start: int
    size: int


def ds(start: int, size: int) -> DynSlice:
    for name, value in (("start", start), ("size", size)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise fail("compile-time-constant", f"nl.ds {name} must be a Python int, got {value!r}")
    return DynSlice(int(start), int(size))


class Tensor:
    """A tensor (HBM) or tile (SBUF/PSUM) in porter's NKI model; views share storage."""

    def __init__(self, data: np.ndarray, written: np.ndarray, dtype: dtypes.DType,
                 buffer: MemoryRegion, name: str = "") -> None:
        self._data = data
        self._written = written
        self.dtype = dtype
        self.buffer = buffer
        self.name = name

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._data.shape)

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return int(self._data.size)

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<porter NKI model tensor{label} {self.shape} {self.dtype!r} in {self.buffer!r}>"

    def __getitem__(self, key: Any) -> Tensor:
        index = _normalize_index(key, self.shape, self.buffer.on_chip, self)
        return Tensor(self._data[index], self._written[index], self.dtype, self.buffer, self.name)

    def __setitem__(self, key: Any, value: Any) -> None:
        raise fail("model-unsupported", f"assignment into {self!r} by indexing; write tiles with an "
                   "nki.isa instruction (nisa.tensor_copy, nisa.dma_copy, nisa.memset)")

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise fail("model-unsupported", f"numpy conversion of {self!r} inside a kernel; move data "
                   "with nki.isa instructions (porter's run_kernel returns numpy outputs)")

    def reshape(self, shape: tuple[int, ...]) -> Tensor:
        shape = tuple(int(s) for s in shape)
        if prod(shape) != self.size:
            raise fail("reshape", f"cannot reshape {self!r} to {shape}: element counts differ")
        if self.buffer.on_chip and shape[0] != self.shape[0]:
            raise fail("reshape", f"reshape of on-chip {self!r} to {shape} changes the partition size")
        data, written = self._data.view(), self._written.view()
        try:
            data.shape = shape
            written.shape = shape
        except AttributeError:
            raise fail("reshape", f"{self!r} is not contiguous enough to view as {shape}") from None
        return Tensor(data, written, self.dtype, self.buffer, self.name)


def allocate(shape: Any, dtype: Any, buffer: MemoryRegion, name: str = "") -> Tensor:
    """New tensor of NaN (floats) or poison (integers), with the on-chip shape rules checked."""
    if not isinstance(buffer, MemoryRegion):
        raise fail("model-unsupported", f"buffer {buffer!r} is not one of nl.sbuf, nl.psum, nl.hbm, "
                   "nl.shared_hbm, nl.private_hbm")
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    shape = tuple(shape)
    if not shape or not all(isinstance(s, (int, np.integer)) and s > 0 for s in shape):
        raise fail("compile-time-constant", f"shape {shape!r} must be positive Python ints")
    shape = tuple(int(s) for s in shape)
    if buffer.on_chip:
        check_tile_shape(shape, buffer, name)
    dtype = dtypes.resolve(dtype)
    data = dtypes.new_storage(shape, dtype)
    return Tensor(data, np.zeros(shape, dtype=bool), dtype, buffer, name)


def check_tile_shape(shape: tuple[int, ...], buffer: MemoryRegion, name: str = "") -> None:
    label = f" {name!r}" if name else ""
    if len(shape) < 2:
        raise fail("on-chip-rank", f"{buffer!r} tile{label} of shape {shape} has no free dimension; "
                   "use e.g. (P, 1)")
    if shape[0] > PMAX:
        raise fail("partition-dim-max", f"{buffer!r} tile{label} of shape {shape} has partition "
                   f"dimension {shape[0]} > {PMAX}")


def from_numpy(array: np.ndarray, dtype: Any = None, buffer: MemoryRegion = MemoryRegion.hbm,
               name: str = "") -> Tensor:
    """An HBM tensor holding a copy of ``array`` (rounded to ``dtype`` when given, e.g. bfloat16)."""
    array = np.asarray(array)
    resolved = dtypes.resolve(array.dtype if dtype is None else dtype)
    tensor = allocate(array.shape, resolved, buffer, name)
    write(tensor, array if dtype is None else array.astype(np.float64))
    return tensor


def to_numpy(tensor: Tensor) -> np.ndarray:
    """A copy of the tensor's values (bfloat16/tfloat32 come back as float32, bool_ as uint8)."""
    return np.array(tensor._data, copy=True)


def read(tensor: Tensor, check: bool) -> np.ndarray:
    """The tensor's current values (storage dtype); with ``check``, unwritten elements are an error."""
    if check and not tensor._written.all():
        missing = int((~tensor._written).sum())
        raise fail("uninitialized-read", f"{tensor!r} is read while {missing} of its {tensor.size} "
                   "elements were never written")
    return tensor._data


def written_mask(tensor: Tensor) -> np.ndarray:
    return tensor._written


def write(tensor: Tensor, values: np.ndarray, *, exact: bool = False) -> None:
    """Store values (reshaped to the tensor's shape, C order), rounded to its dtype.

    ``exact`` copies bit patterns of the same storage dtype unchanged (same-dtype DMA and copies).
    """
    values = np.asarray(values).reshape(tensor.shape)
    tensor._data[...] = values if exact else dtypes.cast(values, tensor.dtype)
    tensor._written[...] = True


def _normalize_index(key: Any, shape: tuple[int, ...], on_chip: bool, tensor: Tensor) -> tuple:
    parts = list(key) if isinstance(key, tuple) else [key]
    if sum(p is Ellipsis for p in parts) > 1:
        raise fail("index-out-of-bounds", f"more than one ... in the index of {tensor!r}")
    if Ellipsis in parts:
        at = parts.index(Ellipsis)
        parts[at:at + 1] = [slice(None)] * (len(shape) - len(parts) + 1)
    if len(parts) > len(shape):
        raise fail("index-out-of-bounds", f"{len(parts)} indices for {tensor!r} of rank {len(shape)}")
    parts += [slice(None)] * (len(shape) - len(parts))
    return tuple(_one_index(p, dim, axis, on_chip, tensor) for axis, (p, dim) in enumerate(zip(parts, shape)))


def _one_index(part: Any, dim: int, axis: int, on_chip: bool, tensor: Tensor) -> int | slice:
    where = f"axis {axis} (size {dim}) of {tensor!r}"
    if isinstance(part, DynSlice):
        part = slice(part.start, part.start + part.size)
    if isinstance(part, (int, np.integer)) and not isinstance(part, bool):
        if not 0 <= part < dim:
            raise fail("index-out-of-bounds", f"index {part} outside {where}")
        # An integer on an on-chip tile's partition axis keeps a partition of size 1, so the result
        # is still a tile (the model's choice; see SEMANTICS.md).
        return slice(int(part), int(part) + 1) if on_chip and axis == 0 else int(part)
    if isinstance(part, slice):
        start = 0 if part.start is None else part.start
        stop = dim if part.stop is None else part.stop
        step = 1 if part.step is None else part.step
        if not all(isinstance(v, (int, np.integer)) for v in (start, stop, step)):
            raise fail("compile-time-constant", f"slice {part} on {where} must use Python ints")
        if step < 1 or start < 0 or stop > dim or start >= stop:
            raise fail("index-out-of-bounds", f"slice {start}:{stop}:{step} outside {where} "
                       "(or empty, negative, or stepping backwards)")
        return slice(int(start), int(stop), int(step))
    raise fail("model-unsupported", f"index {part!r} on {where}; porter's model takes ints, slices, "
               "nl.ds and ...")
