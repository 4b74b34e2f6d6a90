"""Compare a port's outputs with the golden outputs, within per-dtype (or per-buffer) tolerances.

Format 2 adds, per case (pass ``case``): tolerances that are expressions of the case's sizes,
``undefined`` index ranges left out of the comparison, and ``nondeterministic`` outputs, either
excluded (with the spec's reason in the detail) or held to the tolerance widened by the spread
the recorder saw over repeated runs (``spread``: buffer -> largest absolute difference).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from porter.golden.dtypes import DTYPES, bf16_to_f32
from porter.golden.model import CaseSpec, KernelSpec, ResolvedCase, Tolerance


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


def compare_golden(spec: KernelSpec, case: CaseSpec | ResolvedCase, golden, actual: dict[str, np.ndarray]) -> Comparison:
    """:func:`compare_outputs` of a recorded golden (a :class:`porter.golden.Golden`): its case,
    and the spread its recording saw when the spec is nondeterministic."""
    spread = golden.provenance.get("spread") if isinstance(getattr(golden, "provenance", None), dict) else None
    return compare_outputs(spec, golden.outputs, actual, case=case, spread=spread)


def _case_rules(spec: KernelSpec, case: CaseSpec | ResolvedCase | None):
    """(tolerances by buffer, undefined ranges by buffer) of ``case``; None when the spec needs a
    case and none was given."""
    if isinstance(case, CaseSpec):
        from porter.golden.resolve import resolve_case
        case = resolve_case(spec, case)
    if case is None:
        needs = spec.format == 2 and any(b.undefined or isinstance(spec.tolerance(b).rtol, str)
                                         or isinstance(spec.tolerance(b).atol, str) for b in spec.buffers if b.is_output)
        return None if needs else ({}, {})
    return ({name: Tolerance(rtol, atol) for name, rtol, atol in case.tolerances}, dict(case.undefined))


def compare_outputs(spec: KernelSpec, golden: dict[str, np.ndarray], actual: dict[str, np.ndarray],
                    case: CaseSpec | ResolvedCase | None = None, spread: dict[str, float] | None = None,
                    flat_offset: int = 0) -> Comparison:
    """Every output buffer of the spec; the result names the worst element over all of them.

    ``flat_offset``: the arrays are a flat piece of each buffer starting at this element (for
    ``undefined`` ranges when comparing in chunks)."""
    worst_abs, worst_rel, failures, notes = 0.0, 0.0, [], []
    rules = _case_rules(spec, case)
    if rules is None:
        return Comparison(False, 0.0, 0.0, "this spec's tolerances or undefined ranges depend on the case's sizes, "
                                           "and the comparison was not given the case")
    tolerances, undefined = rules
    excluded = _excluded(spec)
    for buffer in (b for b in spec.buffers if b.is_output):
        if buffer.name in excluded:
            notes.append(f"{buffer.name} not compared ({excluded[buffer.name]})")
            continue
        expected = as_float64(golden[buffer.name], buffer.dtype)
        got = as_float64(actual[buffer.name], buffer.dtype).reshape(expected.shape)
        tolerance = tolerances.get(buffer.name) or spec.tolerance(buffer)
        if spread and buffer.name in spread:
            tolerance = Tolerance(tolerance.rtol, tolerance.atol + 2.0 * float(spread[buffer.name]))
        same = (expected == got) | (np.isnan(expected) & np.isnan(got))  # also equal infinities
        if buffer.name in undefined:
            same = same | _mask(expected.shape, undefined[buffer.name], flat_offset)
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
        return Comparison(False, worst_abs, worst_rel, "; ".join(failures + notes))
    return Comparison(True, worst_abs, worst_rel, "; ".join(notes))


def _excluded(spec: KernelSpec) -> dict[str, str]:
    """Output buffers a nondeterministic spec leaves out of the comparison, with why."""
    rule = spec.nondeterministic
    if rule is None or rule.compare != "exclude":
        return {}
    names = rule.buffers or tuple(b.name for b in spec.buffers if b.is_output)
    return {name: f"nondeterministic ({rule.kind}): {rule.reason}" for name in names}


def _mask(shape: tuple[int, ...], ranges, offset: int) -> np.ndarray:
    """True at the elements of the flat index ranges [start, stop) (shifted by ``offset``)."""
    size = int(np.prod(shape)) if shape else 1
    mask = np.zeros(size, dtype=bool)
    for start, stop in ranges:
        mask[max(0, start - offset): max(0, min(size, stop - offset))] = True
    return mask.reshape(shape)


def poison_left(spec: KernelSpec, actual: dict[str, np.ndarray]) -> str:
    """Names of output buffers that still hold the poison marker somewhere (never written)."""
    left = []
    for buffer in (b for b in spec.buffers if b.is_output and b.init.kind == "poison"):
        bits = actual[buffer.name].reshape(-1).view(np.dtype(f"u{actual[buffer.name].itemsize}"))
        count = int(np.count_nonzero(bits == DTYPES[buffer.dtype].poison))
        if count:
            left.append(f"{buffer.name}: {count} elements never written")
    return "; ".join(left)
