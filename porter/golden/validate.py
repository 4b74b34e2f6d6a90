"""Check a spec against itself and its CUDA source, so that whatever loads can be recorded.

* every expression evaluates, for every case (grid, block, shared bytes, shapes, scalars, init),
  and init ranges make sense (low < high, randint values fit the dtype);
* every launch names a ``__global__`` kernel of the source, with one argument per parameter;
* pointer parameters get buffers of the matching dtype, scalar parameters get scalars whose
  values the C type can hold;
* every buffer and scalar is used, and every output is passed to some non-const pointer;
* format 2: parameter types come from porter's frontend where the text is not a known type
  (typedefs, macros, template parameters, enums, ``long``); host operations name buffers of equal
  size and ``__constant__`` symbols of the source; ``undefined`` and ``nondeterministic`` name outputs.

:func:`validate` raises the first problem, or with ``problems`` collects every independent one.
"""

from __future__ import annotations

import functools

import numpy as np

from porter.golden.dtypes import DTYPES, POINTER_ELEMENTS, SCALAR_TYPES
from porter.golden.errors import SpecError
from porter.golden.model import KernelSpec, ResolvedBuffer, ResolvedCase
from porter.golden.resolve import resolve_case
from porter.golden.signature import KernelSignature, Param, kernel_signatures


def validate(spec: KernelSpec, *, check_source: bool = True,
             problems: list[SpecError] | None = None) -> list[ResolvedCase]:
    """Raise SpecError for the first problem (or collect them in ``problems``); return every case
    that resolved."""
    from porter.golden.spec import Attempt

    attempt = Attempt(problems)
    resolved = [r for r in (attempt(resolve_case, spec, case) for case in spec.cases) if r is not None]
    for case in resolved:
        for buffer in case.buffers:
            attempt(_check_init, spec, case, buffer)
        if spec.format == 2:
            from porter.golden.checks import check_case
            attempt(check_case, spec, case)
    if spec.format == 2:
        from porter.golden.checks import check_v2
        attempt(check_v2, spec)
    if check_source and (resolved or spec.format == 1):
        per_case = spec.format == 2
        for case in resolved if per_case else [None]:
            signatures = attempt(launch_signatures, spec, case)
            if signatures is None:
                break
            for index, signature in enumerate(signatures):
                for one in [case] if case is not None else resolved:
                    attempt(_check_arguments, spec, index, signature, one)
            attempt(_check_outputs_written, spec, signatures)
        if spec.symbols:
            from porter.golden.checks import check_symbols
            attempt(check_symbols, spec, read_source(spec))
    for check in _usage_checks(spec):
        attempt(check)
    return resolved


def read_source(spec: KernelSpec) -> bytes:
    try:
        return spec.source.read_bytes()
    except OSError as error:
        raise SpecError(f"{spec.path}: source", f"cannot read {spec.source}: {error.strerror}",
                        "a spec NAME.toml describes the kernels of NAME.cu beside it") from None


def launch_signatures(spec: KernelSpec, case: ResolvedCase | None = None) -> tuple[KernelSignature, ...]:
    """The signature of each launch's kernel, in launch order; format 2: with the types porter's
    frontend resolves (for ``case``'s template arguments and defines; default the first case)."""
    found = kernel_signatures(read_source(spec))
    signatures = tuple(_signature(spec, index, found) for index in range(len(spec.launches)))
    if spec.format == 1:
        return signatures
    if case is None and spec.cases:
        case = resolve_case(spec, spec.cases[0])
    return tuple(_resolve_types(spec, index, signature, case) for index, signature in enumerate(signatures))


def _resolve_types(spec: KernelSpec, index: int, signature: KernelSignature,
                   case: ResolvedCase | None) -> KernelSignature:
    from dataclasses import replace

    from porter.golden.types import resolve_params, with_resolved

    def known(param: Param) -> bool:
        return param.element in (POINTER_ELEMENTS if param.pointer else SCALAR_TYPES)

    if all(known(p) for p in signature.params):
        return signature
    kernel = case.launches[index].kernel if case is not None else spec.launches[index].kernel
    resolved = resolve_params(spec.source, kernel, case.defines if case is not None else ())
    params = tuple(p if known(p) or j >= len(resolved) else with_resolved(p, resolved[j])
                   for j, p in enumerate(signature.params))
    return replace(signature, params=params)


def _signature(spec: KernelSpec, index: int, found: dict[str, list[KernelSignature]]) -> KernelSignature:
    launch = spec.launches[index]
    where = f"{spec.path}: {spec.launch_key(index)}.kernel"
    candidates = found.get(launch.base_name, [])
    if not candidates:
        known = ", ".join(sorted(found)) or "none"
        raise SpecError(where, f"no __global__ kernel {launch.base_name!r} in {spec.source.name}",
                        f"kernels there: {known}")
    if len(candidates) > 1:
        raise SpecError(where, f"{launch.base_name!r} is overloaded in {spec.source.name}",
                        "give each kernel its own name")
    signature = candidates[0]
    templated = "<" in launch.kernel
    if signature.template != templated:
        need = "needs template arguments, e.g. name<256>" if signature.template else "is not a template"
        raise SpecError(where, f"{launch.base_name!r} {need}")
    if len(signature.params) != len(launch.args):
        raise SpecError(f"{spec.path}: {spec.launch_key(index)}.args",
                        f"{len(launch.args)} arguments for {len(signature.params)} parameters of "
                        f"{launch.base_name} ({', '.join(p.text for p in signature.params)})")
    return signature


def _check_arguments(spec: KernelSpec, index: int, signature: KernelSignature, case: ResolvedCase) -> None:
    for position, (param, arg) in enumerate(zip(signature.params, spec.launches[index].args)):
        where = f"{spec.path}: {spec.launch_key(index)}.args[{position}] ({arg!r} for {param.text!r})"
        if param.pointer:
            _check_pointer(spec, param, arg, case, where)
        else:
            _check_scalar(spec, param, arg, case, where)


def _check_pointer(spec: KernelSpec, param: Param, arg: str, case: ResolvedCase, where: str) -> None:
    buffer = spec.buffer(arg)
    if buffer is None:
        raise SpecError(where, "a pointer parameter needs a buffer, not a scalar")
    if param.element not in POINTER_ELEMENTS:
        raise SpecError(where, f"unsupported pointer element type {param.element!r}",
                        _type_hint(spec, POINTER_ELEMENTS))
    dtype, lanes = POINTER_ELEMENTS[param.element]
    if dtype != buffer.dtype:
        raise SpecError(where, f"buffer {arg!r} is {buffer.dtype} but the parameter points to "
                        f"{param.element} ({dtype})")
    count = case.buffer(arg).count
    if count % lanes:
        raise SpecError(where, f"case {case.case!r}: buffer {arg!r} has {count} elements, "
                        f"not a multiple of the {lanes} lanes of {param.element}")


def _check_scalar(spec: KernelSpec, param: Param, arg: str, case: ResolvedCase, where: str) -> None:
    if spec.scalar(arg) is None:
        raise SpecError(where, "a scalar parameter needs a scalar, not a buffer")
    kind = SCALAR_TYPES.get(param.element)
    if kind is None:
        raise SpecError(where, f"unsupported scalar parameter type {param.element!r}",
                        _type_hint(spec, SCALAR_TYPES))
    value = dict(case.scalars)[arg]
    if kind.kind == "float":
        return
    if not isinstance(value, int):
        raise SpecError(where, f"case {case.case!r}: {value!r} is not an integer but "
                        f"{param.element} is an integer type", "use // for integer division")
    if not kind.low <= value <= kind.high:
        raise SpecError(where, f"case {case.case!r}: {value} does not fit in {param.element}")


def _check_init(spec: KernelSpec, case: ResolvedCase, buffer: ResolvedBuffer) -> None:
    where = f"{spec.path}: buffers.{buffer.name}"
    params = dict(buffer.init.params)
    kind = buffer.init.kind
    if kind in ("randint", "offsets", "uniform") and not params["low"] < params["high"]:
        raise SpecError(where, f"case {case.case!r}: init = {kind!r} needs low < high, "
                        f"got {params['low']} and {params['high']}")
    if kind in ("normal", "edge") and params["std"] < 0:
        raise SpecError(f"{where}.std", f"case {case.case!r}: std must be >= 0")
    if kind == "randint" and not DTYPES[buffer.dtype].is_float:
        info = np.iinfo(DTYPES[buffer.dtype].numpy)
        if params["low"] < info.min or params["high"] - 1 > info.max:
            raise SpecError(where, f"case {case.case!r}: randint [{params['low']}, {params['high']}) "
                            f"does not fit in {buffer.dtype}")


def _type_hint(spec: KernelSpec, table: dict) -> str:
    if spec.format == 1:
        return f"supported: {', '.join(sorted(table))}; format = 2 resolves typedefs, macros, templates and enums"
    return f"porter's frontend could not resolve it either; supported: {', '.join(sorted(table))}"


def _usage_checks(spec: KernelSpec):
    from porter.golden.steps import iter_steps

    used = {arg for launch in spec.launches for arg in launch.args}
    used |= {name for step in iter_steps(spec.steps) for name in (step.buffer, step.source) if name}
    for kind, items in (("buffers", spec.buffers), ("scalars", spec.scalars)):
        for item in items:
            if item.name not in used:
                yield functools.partial(_unused, f"{spec.path}: {kind}.{item.name}")


def _unused(where: str) -> None:
    raise SpecError(where, "not passed to any launch")


def _check_outputs_written(spec: KernelSpec, signatures: tuple[KernelSignature, ...]) -> None:
    from porter.golden.steps import iter_steps

    writable = {arg for launch, signature in zip(spec.launches, signatures)
                for arg, param in zip(launch.args, signature.params) if param.pointer and not param.const}
    writable |= {s.buffer for s in iter_steps(spec.steps) if s.op in ("memset", "memcpy")}
    for step in iter_steps(spec.steps):  # a swapped buffer is written wherever its partner is
        for a, b in [(step.buffer, step.source)] * (step.op == "swap") + list(step.swaps):
            if a in writable or b in writable:
                writable |= {a, b}
    for buffer in spec.buffers:
        if buffer.is_output and buffer.name not in writable:
            raise SpecError(f"{spec.path}: buffers.{buffer.name}",
                            f"role {buffer.role!r}, but every kernel takes it as a const pointer")
