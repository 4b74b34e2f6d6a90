"""Run a resolved case's program: its steps flattened into operations, and the device bound.

Every executor (the golden launcher through its plan, the CPU reference, the Python checkers)
takes the same flat list of :class:`Op` from :func:`operations`: loops unrolled, a loop's swaps
after each iteration. :func:`execute` runs the list over a dict of arrays with a backend's own
launch, memset, memcpy and symbol functions, so the semantics (a swap exchanges what two names
refer to; the outputs are what each name refers to at the end) live in one place.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, replace

from porter.golden.errors import SpecError
from porter.golden.expr import ExpressionError, evaluate
from porter.golden.model import ResolvedCase, ResolvedLaunch, ResolvedStep

MAX_OPERATIONS = 1_000_000
MAX_GRID = ((1 << 31) - 1, 65535, 65535)


@dataclass(frozen=True)
class Op:
    op: str  # launch | memset | memcpy | symbol | swap
    launch: int = -1
    buffer: str = ""
    source: str = ""
    symbol: str = ""
    value: int = 0


def needs_device(case: ResolvedCase) -> bool:
    """Whether some launch's grid still depends on the device's multiprocessor count."""
    return any(isinstance(d, str) for launch in case.launches for d in launch.grid)


def bind_device(case: ResolvedCase, sm_count: int | None) -> ResolvedCase:
    """``case`` with every ``sm_count`` in its geometry evaluated (unchanged when there is none)."""
    if not needs_device(case):
        return case
    if sm_count is None:
        raise SpecError(f"{case.kernel}/{case.case}", "the grid depends on sm_count, and no device count is known",
                        "pass the device's multiprocessor count")
    names = {**dict(case.sizes), "sm_count": sm_count}
    launches = tuple(_bind(launch, names, case) for launch in case.launches)
    return replace(case, launches=launches, sm_count=sm_count)


def _bind(launch: ResolvedLaunch, names: dict, case: ResolvedCase) -> ResolvedLaunch:
    grid = []
    for axis, dim in enumerate(launch.grid):
        if isinstance(dim, str):
            try:
                value = evaluate(dim, names)
            except ExpressionError as error:
                raise SpecError(f"{case.kernel}/{case.case}: grid", str(error)) from None
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if not isinstance(value, int) or not 1 <= value <= MAX_GRID[axis]:
                raise SpecError(f"{case.kernel}/{case.case}: grid", f"{dim!r} is {value!r} with sm_count "
                                f"{names['sm_count']}, outside 1..{MAX_GRID[axis]}")
            dim = value
        grid.append(dim)
    return replace(launch, grid=tuple(grid))


def operations(case: ResolvedCase) -> list[Op]:
    """The program as a flat list (loops unrolled)."""
    out: list[Op] = []
    _flatten(case.program, out)
    return out


def _flatten(steps: tuple[ResolvedStep, ...], out: list[Op]) -> None:
    for step in steps:
        if step.op == "loop":
            for _ in range(step.count):
                _flatten(step.body, out)
                out.extend(Op("swap", buffer=a, source=b) for a, b in step.swaps)
        else:
            out.append(Op(step.op, step.launch, step.buffer, step.source, step.symbol, step.value))
        if len(out) > MAX_OPERATIONS:
            raise SpecError(f"{step.op}", f"the program has more than {MAX_OPERATIONS} operations")


def is_plain(case: ResolvedCase) -> bool:
    """A program of launches only, each once, in order (what every format-1 spec is)."""
    return not case.steps or [op.launch for op in operations(case)] == list(range(len(case.launches)))


def runner_gap(spec, backend: str) -> str:
    """Why a runner that replays launches only cannot run ``spec``'s cases ("" when it can):
    format-2 programs, per-case defines or template arguments, or sm_count geometry."""
    if spec.format == 1:
        return ""
    from porter.golden.resolve import resolve_case
    from porter.golden.templates import placeholders
    if spec.steps and spec.cases and not all(is_plain(resolve_case(spec, c)) for c in spec.cases):
        return f"the {backend} runner replays launches only; this spec's program has loops, host operations or swaps"
    if spec.defines or any(c.defines for c in spec.cases) or any(placeholders(l.kernel) for l in spec.launches):
        return f"the {backend} runner translates once per spec; this spec has per-case defines or template arguments"
    if any(needs_device(resolve_case(spec, c)) for c in spec.cases):
        return f"the {backend} runner has no device to bind sm_count for"
    return ""


class Unsupported(Exception):
    """An executor cannot run an operation of the program (the message says which and why)."""


def execute(case: ResolvedCase, arrays: MutableMapping[str, object], launch: Callable[[ResolvedLaunch], None],
            memset: Callable[[object, int], None], memcpy: Callable[[object, object], None],
            symbol: Callable[[str, object], None] | None = None) -> None:
    """Run ``case``'s program over ``arrays`` (buffer name -> array, changed in place; swaps
    exchange entries). ``symbol`` None: a symbol write raises Unsupported."""
    for op in operations(case):
        if op.op == "launch":
            launch(case.launches[op.launch])
        elif op.op == "memset":
            memset(arrays[op.buffer], op.value)
        elif op.op == "memcpy":
            memcpy(arrays[op.buffer], arrays[op.source])
        elif op.op == "swap":
            arrays[op.buffer], arrays[op.source] = arrays[op.source], arrays[op.buffer]
        elif op.op == "symbol":
            if symbol is None:
                raise Unsupported(f"this backend cannot write the __constant__ symbol {op.symbol!r} "
                                  "(cudaMemcpyToSymbol) before a launch")
            symbol(op.symbol, arrays[op.source])
        else:
            raise Unsupported(f"unknown operation {op.op!r}")
