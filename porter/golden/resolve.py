"""Resolve a case: evaluate every expression of a spec with the case's sizes.

The resolved case is what the recorder runs and what a checker replays; its canonical JSON is
hashed (:func:`case_hash`) so that a recorded golden knows when its spec has changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from porter.golden.errors import SpecError
from porter.golden.expr import ExpressionError, evaluate
from porter.golden.model import (
    CaseSpec,
    Expr,
    InitSpec,
    KernelSpec,
    ResolvedBuffer,
    ResolvedCase,
    ResolvedLaunch,
)

#: Bumped when the way inputs are generated from a resolved case changes: every golden goes stale.
INPUTS_VERSION = 1

MAX_THREADS_PER_BLOCK = 1024
MAX_BLOCK_DIMS = (1024, 1024, 64)
MAX_GRID_DIMS = ((1 << 31) - 1, 65535, 65535)
MAX_SHARED_BYTES = 227 * 1024


def resolve_case(spec: KernelSpec, case: CaseSpec) -> ResolvedCase:
    names = case.size_map
    where = f"{spec.path}: case {case.name!r}"
    buffers = tuple(_buffer(spec, index, names, where) for index in range(len(spec.buffers)))
    scalars = tuple((s.name, _value(s.value, names, f"{where}: scalars.{s.name}"))
                    for s in spec.scalars)
    launches = tuple(_launch(spec, index, names, where) for index in range(len(spec.launches)))
    return ResolvedCase(spec.name, case.name, case.seed, case.sizes, buffers, scalars, launches)


def _value(expression: Expr, names: dict[str, int], where: str) -> int | float:
    try:
        return evaluate(expression, names)
    except ExpressionError as error:
        raise SpecError(where, str(error), "sizes come from the case's `sizes` table") from None


def _int(expression: Expr, names: dict[str, int], where: str, low: int, high: int) -> int:
    value = _value(expression, names, where)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise SpecError(where, f"{expression!r} is {value!r}, not an integer", "use // for division")
    if not low <= value <= high:
        raise SpecError(where, f"{expression!r} is {value}, outside {low}..{high}")
    return value


def _buffer(spec: KernelSpec, index: int, names: dict[str, int], where: str) -> ResolvedBuffer:
    buffer = spec.buffers[index]
    key = f"{where}: buffers.{buffer.name}"
    shape = tuple(_int(e, names, f"{key}.shape", 1, 1 << 31) for e in buffer.shape)
    params = tuple((k, _value(v, names, f"{key}.{k}")) for k, v in buffer.init.params)
    return ResolvedBuffer(buffer.name, buffer.dtype, shape, buffer.role, InitSpec(buffer.init.kind, params))


def _dims(expressions: tuple[Expr, ...], names: dict[str, int], key: str,
          limits: tuple[int, int, int]) -> tuple[int, int, int]:
    values = [_int(e, names, f"{key}[{i}]", 1, limits[i]) for i, e in enumerate(expressions)]
    values += [1] * (3 - len(values))
    return values[0], values[1], values[2]


def _launch(spec: KernelSpec, index: int, names: dict[str, int], where: str) -> ResolvedLaunch:
    launch = spec.launches[index]
    key = f"{where}: launch[{index}]"
    grid = _dims(launch.grid, names, f"{key}.grid", MAX_GRID_DIMS)
    block = _dims(launch.block, names, f"{key}.block", MAX_BLOCK_DIMS)
    if block[0] * block[1] * block[2] > MAX_THREADS_PER_BLOCK:
        raise SpecError(f"{key}.block", f"{block} has more than {MAX_THREADS_PER_BLOCK} threads")
    shared = _int(launch.shared_bytes, names, f"{key}.shared_bytes", 0, MAX_SHARED_BYTES)
    return ResolvedLaunch(launch.kernel, grid, block, shared, launch.args)


def canonical_json(resolved: ResolvedCase) -> str:
    data = asdict(resolved)
    data["inputs_version"] = INPUTS_VERSION
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def case_hash(resolved: ResolvedCase) -> str:
    """sha256 of the resolved case: changes whenever what would be recorded changes."""
    return hashlib.sha256(canonical_json(resolved).encode()).hexdigest()
