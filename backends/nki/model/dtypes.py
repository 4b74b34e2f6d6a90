"""NKI data types in porter's model: names, numpy storage, rounding and poison fill.

NKI spells dtypes as ``nl.float32``, ``nl.bfloat16``, ... (strings in the published stubs). numpy
has no bfloat16 or tfloat32, so the model stores both as float32 and rounds every write to the
type's precision (round to nearest even); their values are therefore exactly representable.
float8 types are named but not implemented: using one raises ``model-unsupported``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from porter.backends.nki.model.errors import fail


@dataclass(frozen=True)
class DType:
    name: str
    storage: np.dtype
    is_float: bool
    mantissa_bits: int = 0  # >0: stored as float32, rounded to this many explicit mantissa bits

    def __repr__(self) -> str:
        return f"nl.{self.name}"


_F32 = np.dtype(np.float32)
DTYPES: dict[str, DType] = {
    d.name: d
    for d in (
        DType("float32", _F32, True),
        DType("bfloat16", _F32, True, mantissa_bits=7),
        DType("tfloat32", _F32, True, mantissa_bits=10),
        DType("float16", np.dtype(np.float16), True),
        DType("int32", np.dtype(np.int32), False),
        DType("uint32", np.dtype(np.uint32), False),
        DType("int16", np.dtype(np.int16), False),
        DType("uint16", np.dtype(np.uint16), False),
        DType("int8", np.dtype(np.int8), False),
        DType("uint8", np.dtype(np.uint8), False),
        DType("bool_", np.dtype(np.uint8), False),  # NKI: "boolean stored as uint8"
    )
}
UNSUPPORTED = ("float8_e4m3", "float8_e5m2", "float8_e4m3fn")
_FROM_NUMPY = {np.dtype(np.bool_): "bool_"} | {
    d.storage: d.name for d in DTYPES.values() if d.mantissa_bits == 0 and d.name != "bool_"
}
POISON_BYTES = (0xDE, 0xAD, 0xBE, 0xEF)  # integer tiles start as this pattern, floats as NaN


def resolve(dtype: object) -> DType:
    """The model's DType for an ``nl.*`` name, a DType, or a numpy dtype (older NKI accepted those)."""
    if isinstance(dtype, DType):
        return dtype
    if isinstance(dtype, str):
        if dtype in DTYPES:
            return DTYPES[dtype]
        if dtype in UNSUPPORTED:
            raise fail("model-unsupported", f"dtype {dtype} is not implemented in porter's NKI model")
    try:
        name = _FROM_NUMPY.get(np.dtype(dtype))  # type: ignore[call-overload]
    except TypeError:
        name = None
    if name is None:
        raise fail("model-unsupported", f"{dtype!r} is not an NKI dtype porter's model knows")
    return DTYPES[name]


def round_mantissa(values: np.ndarray, bits: int) -> np.ndarray:
    """float32 values rounded to ``bits`` explicit mantissa bits, nearest-even; NaN/inf kept."""
    f = np.ascontiguousarray(values, dtype=np.float32)
    raw = f.view(np.uint32).astype(np.uint64)
    drop = 23 - bits
    lsb = (raw >> drop) & 1
    rounded = ((raw + (1 << (drop - 1)) - 1 + lsb) >> drop) << drop
    out = (rounded & 0xFFFFFFFF).astype(np.uint32).view(np.float32)
    return np.where(np.isfinite(f), out, f)


def cast(values: np.ndarray, dtype: DType) -> np.ndarray:
    """Values (any numeric numpy array) converted to ``dtype``'s storage, the way engines write.

    Floats round to nearest even. A value written to an integer dtype must already be an integer
    in that type's range: NKI documents that arithmetic goes through float32 but not how a float32
    result that is a fraction, NaN, infinite or out of range becomes an integer (rounding mode,
    saturation), so the model raises ``undocumented-conversion`` instead of guessing.
    """
    values = np.asarray(values)
    if dtype.is_float:
        out = values.astype(dtype.storage)
        return round_mantissa(out, dtype.mantissa_bits) if dtype.mantissa_bits else out
    info = np.iinfo(dtype.storage)
    if values.dtype.kind in "iub":
        wide = values.astype(np.int64) if values.dtype != np.uint64 else values
        bad = (wide < info.min) | (wide > info.max)
        if bad.any():
            raise _undocumented(values[bad], dtype, "outside its range")
        return wide.astype(dtype.storage)
    as_float = values.astype(np.float64)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(as_float)
        whole = np.where(finite, as_float, 0.0)
        bad = ~finite | (whole != np.trunc(whole)) | (whole < info.min) | (whole > info.max)
    if bad.any():
        raise _undocumented(values[bad], dtype, "not an integer in its range")
    return whole.astype(dtype.storage)


def _undocumented(bad: np.ndarray, dtype: DType, why: str) -> Exception:
    shown = ", ".join(repr(v) for v in bad.reshape(-1)[:4].tolist())
    return fail("undocumented-conversion", f"porter NKI model: undocumented conversion: {bad.size} "
                f"value(s) written to an nl.{dtype.name} tile are {why} ({shown}); NKI does not "
                "document how such float32 results are converted to integers")


def new_storage(shape: tuple[int, ...], dtype: DType) -> np.ndarray:
    """Fresh memory: NaN for floats, the 0xDEADBEEF byte pattern for integers."""
    if dtype.is_float:
        return np.full(shape, np.nan, dtype=dtype.storage)
    data = np.empty(shape, dtype=dtype.storage)
    raw = data.reshape(-1).view(np.uint8)
    raw[:] = np.resize(np.array(POISON_BYTES, dtype=np.uint8), raw.size)
    return data
