"""Compare a port's outputs with the golden outputs, within per-dtype (or per-buffer) tolerances."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from porter.golden.dtypes import DTYPES, bf16_to_f32
from porter.golden.model import KernelSpec


@dataclass(frozen=True)
class Comparison:
    ok: bool
    max_abs_err: float
    max_rel_err: float
    detail: str  # where the worst element is, and why it fails


def as_float64(values: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "bfloat16":
        return bf16_to_f32(values).astype(np.float64)
    return np.asarray(values).astype(np.float64)


def compare_outputs(spec: KernelSpec, golden: dict[str, np.ndarray], actual: dict[str, np.ndarray]) -> Comparison:
    """Every output buffer of the spec; the result names the worst element over all of them."""
    worst_abs, worst_rel, failures = 0.0, 0.0, []
    for buffer in (b for b in spec.buffers if b.is_output):
        expected = as_float64(golden[buffer.name], buffer.dtype)
        got = as_float64(actual[buffer.name], buffer.dtype).reshape(expected.shape)
        tolerance = spec.tolerance(buffer)
        same = (expected == got) | (np.isnan(expected) & np.isnan(got))  # also equal infinities
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            difference = np.where(same, 0.0, np.abs(got - expected))
            difference = np.where(np.isnan(difference), np.inf, difference)
            relative = difference / np.maximum(np.abs(expected), np.finfo(np.float64).tiny)
            relative = np.where(np.isnan(relative), np.inf, relative)
        bound = tolerance.atol + tolerance.rtol * np.abs(np.nan_to_num(expected))
        bad = difference > bound
        if difference.size:
            worst_abs = max(worst_abs, float(difference.max()))
            worst_rel = max(worst_rel, float(np.where(difference > 0, relative, 0.0).max()))
        if bad.any():
            index = np.unravel_index(int(np.argmax(np.where(bad, difference, -1.0))), expected.shape)
            failures.append(f"{buffer.name}{list(map(int, index))}: got {got[index]!r}, expected "
                            f"{expected[index]!r} ({int(bad.sum())} of {bad.size} elements outside "
                            f"rtol={tolerance.rtol:g}, atol={tolerance.atol:g})")
    if failures:
        return Comparison(False, worst_abs, worst_rel, "; ".join(failures))
    return Comparison(True, worst_abs, worst_rel, "")


def poison_left(spec: KernelSpec, actual: dict[str, np.ndarray]) -> str:
    """Names of output buffers that still hold the poison marker somewhere (never written)."""
    left = []
    for buffer in (b for b in spec.buffers if b.is_output and b.init.kind == "poison"):
        bits = actual[buffer.name].reshape(-1).view(np.dtype(f"u{actual[buffer.name].itemsize}"))
        count = int(np.count_nonzero(bits == DTYPES[buffer.dtype].poison))
        if count:
            left.append(f"{buffer.name}: {count} elements never written")
    return "; ".join(left)
