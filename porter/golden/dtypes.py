"""Data types of golden buffers and kernel parameters, as tables.

Buffers are stored in numpy arrays. numpy has no bfloat16, so a ``bfloat16`` buffer is stored as
its uint16 bit patterns (:func:`bf16_to_f32` and :func:`f32_to_bf16` convert).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DType:
    name: str
    storage: str  # the numpy dtype that holds the values (bit patterns for bfloat16)
    is_float: bool
    poison: int  # bit pattern of the "never written" marker, see inputs.py
    rtol: float  # default comparison tolerances for ports
    atol: float

    @property
    def numpy(self) -> np.dtype:
        return np.dtype(self.storage)

    @property
    def itemsize(self) -> int:
        return self.numpy.itemsize


DTYPES: dict[str, DType] = {d.name: d for d in [
    # Quiet NaNs with an unusual payload: arithmetic makes the canonical NaN, so a poison value
    # left in an output means the kernel never wrote that element.
    DType("float64", "float64", True, 0x7FF8A5A5A5A5A5A5, 1e-12, 1e-12),
    DType("float32", "float32", True, 0x7FC5A5A5, 1e-5, 1e-5),
    DType("float16", "float16", True, 0x7E5A, 2e-3, 1e-3),
    DType("bfloat16", "uint16", True, 0x7FC5, 1.6e-2, 1e-2),
    DType("int64", "int64", False, 0x5A5A5A5A5A5A5A5A, 0.0, 0.0),
    DType("uint64", "uint64", False, 0xA5A5A5A5A5A5A5A5, 0.0, 0.0),
    DType("int32", "int32", False, 0x5A5A5A5A, 0.0, 0.0),
    DType("uint32", "uint32", False, 0xA5A5A5A5, 0.0, 0.0),
    DType("int16", "int16", False, 0x5A5A, 0.0, 0.0),
    DType("uint16", "uint16", False, 0xA5A5, 0.0, 0.0),
    DType("int8", "int8", False, 0x5A, 0.0, 0.0),
    DType("uint8", "uint8", False, 0xA5, 0.0, 0.0),
]}

#: Element types of pointer parameters: C type -> (buffer dtype, lanes per element).
POINTER_ELEMENTS: dict[str, tuple[str, int]] = {
    "double": ("float64", 1), "double2": ("float64", 2),
    "float": ("float32", 1), "float2": ("float32", 2), "float4": ("float32", 4),
    "half": ("float16", 1), "__half": ("float16", 1),
    "half2": ("float16", 2), "__half2": ("float16", 2),
    "__nv_bfloat16": ("bfloat16", 1), "nv_bfloat16": ("bfloat16", 1),
    "__nv_bfloat162": ("bfloat16", 2), "nv_bfloat162": ("bfloat16", 2),
    "long long": ("int64", 1), "long long int": ("int64", 1), "int64_t": ("int64", 1),
    "unsigned long long": ("uint64", 1), "unsigned long long int": ("uint64", 1),
    "uint64_t": ("uint64", 1), "size_t": ("uint64", 1),
    "int": ("int32", 1), "signed": ("int32", 1), "signed int": ("int32", 1), "int32_t": ("int32", 1),
    "int2": ("int32", 2), "int4": ("int32", 4),
    "unsigned": ("uint32", 1), "unsigned int": ("uint32", 1), "uint32_t": ("uint32", 1),
    "uint2": ("uint32", 2), "uint4": ("uint32", 4),
    "short": ("int16", 1), "int16_t": ("int16", 1),
    "unsigned short": ("uint16", 1), "uint16_t": ("uint16", 1),
    "char": ("int8", 1), "signed char": ("int8", 1), "int8_t": ("int8", 1),
    "unsigned char": ("uint8", 1), "uint8_t": ("uint8", 1),
}


@dataclass(frozen=True)
class ScalarType:
    kind: str  # "int" (value from the integer slot) or "float" (from the double slot)
    low: int | None = None  # integer range the C type holds
    high: int | None = None


def _signed(bits: int) -> ScalarType:
    return ScalarType("int", -(1 << (bits - 1)), (1 << (bits - 1)) - 1)


def _unsigned(bits: int) -> ScalarType:
    return ScalarType("int", 0, (1 << bits) - 1)


#: Types of scalar (by-value) parameters.
SCALAR_TYPES: dict[str, ScalarType] = {
    **{name: _signed(32) for name in ("int", "signed", "signed int", "int32_t")},
    **{name: _unsigned(32) for name in ("unsigned", "unsigned int", "uint32_t")},
    **{name: _signed(64) for name in ("long long", "long long int", "int64_t", "ptrdiff_t")},
    **{name: _unsigned(64) for name in ("unsigned long long", "unsigned long long int", "uint64_t",
                                        "size_t")},
    **{name: _signed(16) for name in ("short", "int16_t")},
    **{name: _unsigned(16) for name in ("unsigned short", "uint16_t")},
    **{name: _signed(8) for name in ("signed char", "int8_t")},
    **{name: _unsigned(8) for name in ("unsigned char", "uint8_t")},
    "bool": ScalarType("int", 0, 1),
    "float": ScalarType("float"), "double": ScalarType("float"),
    "half": ScalarType("float"), "__half": ScalarType("float"),
    "__nv_bfloat16": ScalarType("float"), "nv_bfloat16": ScalarType("float"),
}


def dtype(name: str) -> DType:
    return DTYPES[name]


def f32_to_bf16(values: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bit patterns (uint16), rounding to nearest even, as CUDA does."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    nan = np.isnan(values)
    result = rounded.astype(np.uint16)
    result[nan] = 0x7FC0
    return result


def bf16_to_f32(bits: np.ndarray) -> np.ndarray:
    """bfloat16 bit patterns (uint16) -> float32 (exact)."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def to_storage(values: np.ndarray, name: str) -> np.ndarray:
    """Values computed in float64/int -> the storage array of dtype ``name``."""
    if name == "bfloat16":
        return f32_to_bf16(np.asarray(values, dtype=np.float32))
    return np.asarray(values).astype(DTYPES[name].storage)


def to_float(values: np.ndarray, name: str) -> np.ndarray:
    """A stored buffer as numbers for comparison (bfloat16 bits -> float32)."""
    if name == "bfloat16":
        return bf16_to_f32(values)
    return np.asarray(values)


def poison_array(name: str, count: int) -> np.ndarray:
    info = DTYPES[name]
    unsigned = np.dtype(f"u{info.itemsize}")
    return np.full(count, info.poison, dtype=unsigned).view(info.storage)
