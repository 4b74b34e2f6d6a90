"""Resolve a case: evaluate every expression of a spec with the case's sizes.

The resolved case is what the recorder runs and what a checker replays; its canonical JSON is
hashed (:func:`case_hash`) so that a recorded golden knows when its spec has changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

from porter.golden.errors import SpecError
from porter.golden.expr import ExpressionError, evaluate, names_in
from porter.golden.model import (
    CaseSpec,
    Expr,
    InitSpec,
    KernelSpec,
    ResolvedBuffer,
    ResolvedCase,
    ResolvedLaunch,
    ResolvedStep,
    StepSpec,
)

#: Fields of a resolved case that format 2 added: left out of the canonical JSON at their defaults.
V2_FIELDS = {"defines": [], "steps": [], "undefined": [], "tolerances": [], "sm_count": None}
#: The name geometry may use for the device's multiprocessor count (bound at record and check time).
SM_COUNT = "sm_count"
TEXT_PARAMS = {"expr", "part", "matrix", "file"}
MAX_LOOP_COUNT = 100_000

#: Bumped when the way inputs are generated from a resolved case changes: every golden goes stale.
INPUTS_VERSION = 1

MAX_THREADS_PER_BLOCK = 1024
MAX_BLOCK_DIMS = (1024, 1024, 64)
MAX_GRID_DIMS = ((1 << 31) - 1, 65535, 65535)
MAX_SHARED_BYTES = 227 * 1024


def resolve_case(spec: KernelSpec, case: CaseSpec, sm_count: int | None = None) -> ResolvedCase:
    """``case`` with every expression evaluated. Geometry using ``sm_count`` stays an expression
    text unless ``sm_count`` is given (see :func:`porter.golden.program.bind_device`)."""
    names = case.size_map
    where = f"{spec.path}: case {case.name!r}"
    buffers = tuple(_buffer(spec, index, names, where, case.name) for index in range(len(spec.buffers)))
    scalars = tuple((s.name, _value(s.value, names, f"{where}: scalars.{s.name}"))
                    for s in spec.scalars)
    device = {**names, SM_COUNT: sm_count} if sm_count is not None else names
    launches = tuple(_launch(spec, index, device, where) for index in range(len(spec.launches)))
    if spec.format == 1:
        return ResolvedCase(spec.name, case.name, case.seed, case.sizes, buffers, scalars, launches)
    defines = {**dict(spec.defines), **dict(case.defines)}
    return ResolvedCase(
        spec.name, case.name, case.seed, case.sizes, buffers, scalars, launches,
        defines=tuple((k, _value(v, names, f"{where}: defines.{k}")) for k, v in sorted(defines.items())),
        steps=tuple(_step(s, names, f"{where}: step[{i}]") for i, s in enumerate(spec.steps)),
        undefined=_undefined(spec, buffers, names, where),
        tolerances=_tolerances(spec, names, where),
        sm_count=sm_count)


def _step(step: StepSpec, names: dict[str, int], where: str) -> ResolvedStep:
    if step.op == "memset":
        return ResolvedStep("memset", buffer=step.buffer, value=_int(step.value, names, f"{where}.value", 0, 255))
    if step.op == "loop":
        count = _int(step.count, names, f"{where}.loop", 0, MAX_LOOP_COUNT)
        return ResolvedStep("loop", count=count, body=tuple(_step(s, names, f"{where}.body[{j}]")
                                                           for j, s in enumerate(step.body)),
                            swaps=step.swaps)
    return ResolvedStep(step.op, launch=step.launch, buffer=step.buffer, source=step.source, symbol=step.symbol)


def _undefined(spec: KernelSpec, buffers, names, where):
    result = []
    for buffer, resolved in zip(spec.buffers, buffers):
        if not buffer.undefined:
            continue
        ranges = tuple((_int(a, names, f"{where}: buffers.{buffer.name}.undefined", 0, resolved.count),
                        _int(b, names, f"{where}: buffers.{buffer.name}.undefined", 0, resolved.count))
                       for a, b in buffer.undefined)
        for start, stop in ranges:
            if start > stop:
                raise SpecError(f"{where}: buffers.{buffer.name}.undefined", f"range [{start}, {stop}) is backwards")
        result.append((buffer.name, ranges))
    return tuple(result)


def _tolerances(spec: KernelSpec, names, where):
    """(buffer, rtol, atol) of each output buffer whose tolerance is an expression of the sizes."""
    result = []
    for buffer in (b for b in spec.buffers if b.is_output):
        tolerance = spec.tolerance(buffer)
        if not isinstance(tolerance.rtol, str) and not isinstance(tolerance.atol, str):
            continue
        key = f"{where}: tolerance of {buffer.name}"
        values = [float(_value(v, names, key)) for v in (tolerance.rtol, tolerance.atol)]
        if min(values) < 0:
            raise SpecError(key, f"rtol/atol {values} is negative")
        result.append((buffer.name, *values))
    return tuple(result)


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


def _buffer(spec: KernelSpec, index: int, names: dict[str, int], where: str, case: str = "") -> ResolvedBuffer:
    buffer = spec.buffers[index]
    key = f"{where}: buffers.{buffer.name}"
    shape = tuple(_int(e, names, f"{key}.shape", 1, 1 << 31) for e in buffer.shape)
    if buffer.init.kind == "file":
        from porter.golden.datafiles import resolve_file
        return ResolvedBuffer(buffer.name, buffer.dtype, shape, buffer.role, resolve_file(buffer.init, case, key))
    params = tuple((k, v if k in TEXT_PARAMS else _value(v, names, f"{key}.{k}")) for k, v in buffer.init.params)
    return ResolvedBuffer(buffer.name, buffer.dtype, shape, buffer.role, InitSpec(buffer.init.kind, params))


def _dims(expressions: tuple[Expr, ...], names: dict[str, int], key: str,
          limits: tuple[int, int, int]) -> tuple[int, int, int]:
    values = [e if SM_COUNT in names_in(e) and SM_COUNT not in names else _int(e, names, f"{key}[{i}]", 1, limits[i])
              for i, e in enumerate(expressions)]
    values += [1] * (3 - len(values))
    return values[0], values[1], values[2]


def _launch(spec: KernelSpec, index: int, names: dict[str, int], where: str) -> ResolvedLaunch:
    launch = spec.launches[index]
    key = f"{where}: {spec.launch_key(index)}"
    grid = _dims(launch.grid, names, f"{key}.grid", MAX_GRID_DIMS)
    block = _dims(launch.block, names, f"{key}.block", MAX_BLOCK_DIMS)
    if any(isinstance(d, str) for d in block):
        raise SpecError(f"{key}.block", f"{SM_COUNT} may appear in the grid only")
    if block[0] * block[1] * block[2] > MAX_THREADS_PER_BLOCK:
        raise SpecError(f"{key}.block", f"{block} has more than {MAX_THREADS_PER_BLOCK} threads")
    shared = _int(launch.shared_bytes, names, f"{key}.shared_bytes", 0, MAX_SHARED_BYTES)
    kernel = launch.kernel
    if "{" in kernel:
        from porter.golden.templates import instantiate_name
        try:
            kernel = instantiate_name(kernel, names)
        except ExpressionError as error:
            raise SpecError(f"{key}.kernel", str(error), "sizes come from the case's `sizes` table") from None
    return ResolvedLaunch(kernel, grid, block, shared, launch.args)


def canonical_json(resolved: ResolvedCase) -> str:
    data = asdict(resolved)
    for buffer in data["buffers"]:
        del buffer["init"]["base"]  # where the spec lies is not part of the case
    for key, default in V2_FIELDS.items():
        if data[key] == default or data[key] == ():
            del data[key]
    data["inputs_version"] = INPUTS_VERSION
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def case_hash(resolved: ResolvedCase) -> str:
    """sha256 of the resolved case: changes whenever what would be recorded changes."""
    return hashlib.sha256(canonical_json(resolved).encode()).hexdigest()
