"""Format 2's program and its parts: ``[[step]]`` (launches, host operations, swaps, loops),
``defines``, ``nondeterministic`` and ``undefined`` ranges.

A step table holds exactly one of these keys::

    kernel = "k"  ...             a launch (the keys of [[launch]])
    memset = "buf", value = 0     cudaMemset of the whole buffer with a byte value
    memcpy = "dst", from = "src"  cudaMemcpy device to device (same byte size)
    symbol = "c_w", from = "buf"  cudaMemcpyToSymbol of a __constant__ array from a buffer
    swap = ["a", "b"]             exchange two buffers' device pointers (ping-pong)
    loop = "steps", body = [...]  the body's steps ``count`` times; ``swap`` (a pair or a list
                                  of pairs) after each iteration
"""

from __future__ import annotations

import re

from porter.golden.errors import SpecError
from porter.golden.expr import ExpressionError, parse
from porter.golden.model import Expr, KernelSpec, LaunchSpec, Nondeterminism, StepSpec

OPS = ("kernel", "memset", "memcpy", "symbol", "swap", "loop")
OP_KEYS = {"memset": {"memset", "value"}, "memcpy": {"memcpy", "from"}, "symbol": {"symbol", "from"},
           "swap": {"swap"}, "loop": {"loop", "body", "swap"}}
NONDETERMINISM_KINDS = ("atomics", "race")
COMPARISONS = ("repeat", "exclude")
MAX_LOOP = 100_000
DEFINE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def _expr(value: object, where: str) -> Expr:
    if isinstance(value, bool):
        return int(value)
    if not isinstance(value, int | float | str):
        raise SpecError(where, f"expected a number or an expression string, got {value!r}")
    if isinstance(value, str):
        try:
            parse(value)
        except ExpressionError as error:
            raise SpecError(where, str(error)) from None
    return value


def parse_steps(data: dict, where: str, parse_launch) -> tuple[tuple[LaunchSpec, ...], tuple[StepSpec, ...], tuple[str, ...]]:
    """The launches (in program order, loop bodies once), the steps that refer to them, and each
    launch's key (``step[2].body[0]``)."""
    if "launch" in data:
        raise SpecError(f"{where}: launch", "a format-2 spec has [[launch]] or [[step]], not both",
                        "write each launch as a [[step]] with a kernel key")
    items = data.get("step")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise SpecError(f"{where}: step", "expected one or more [[step]] tables")
    launches: list[LaunchSpec] = []
    keys: list[str] = []
    steps = tuple(_step(item, f"step[{i}]", where, parse_launch, launches, keys, top=True)
                  for i, item in enumerate(items))
    return tuple(launches), steps, tuple(keys)


def _step(item: dict, key: str, where: str, parse_launch, launches: list, keys: list, top: bool) -> StepSpec:
    at = f"{where}: {key}"
    present = [op for op in OPS if op in item]
    if "loop" in present and "swap" in present:
        present.remove("swap")
    if len(present) != 1:
        raise SpecError(at, f"a step has exactly one of {', '.join(OPS)}; this one has "
                        f"{', '.join(present) or 'none'}")
    op = present[0]
    if op == "kernel":
        launches.append(parse_launch(item, at, 2))
        keys.append(key)
        return StepSpec("launch", launch=len(launches) - 1)
    unknown = sorted(set(item) - OP_KEYS[op])
    if unknown:
        raise SpecError(f"{at}.{unknown[0]}", "unknown key", f"a {op} step takes {', '.join(sorted(OP_KEYS[op]))}")
    if op == "memset":
        value = _expr(item.get("value", 0), f"{at}.value")
        return StepSpec("memset", buffer=_name(item["memset"], f"{at}.memset"), value=value)
    if op in ("memcpy", "symbol"):
        if "from" not in item:
            raise SpecError(f"{at}.from", "missing", f'{op} = "..." copies from the buffer named by from = "..."')
        source = _name(item["from"], f"{at}.from")
        name = _name(item[op], f"{at}.{op}")
        return StepSpec(op, buffer=name if op == "memcpy" else "", symbol=name if op == "symbol" else "",
                        source=source)
    if op == "swap":
        (a, b), = _swaps(item["swap"], f"{at}.swap") or [("", "")]
        return StepSpec("swap", buffer=a, source=b)
    if not top:
        raise SpecError(at, "loops do not nest", "unroll the inner loop into the outer body, or use two loops")
    count = _expr(item["loop"], f"{at}.loop")
    body = item.get("body")
    if not isinstance(body, list) or not body or not all(isinstance(b, dict) for b in body):
        raise SpecError(f"{at}.body", "expected a list of step tables, e.g. body = [{ kernel = ... }]")
    steps = tuple(_step(b, f"{key}.body[{j}]", where, parse_launch, launches, keys, top=False)
                  for j, b in enumerate(body))
    swaps = tuple(_swaps(item["swap"], f"{at}.swap")) if "swap" in item else ()
    return StepSpec("loop", count=count, body=steps, swaps=swaps)


def _name(value: object, where: str) -> str:
    if not isinstance(value, str) or not DEFINE_NAME.match(value):
        raise SpecError(where, f"expected a name, got {value!r}")
    return value


def _swaps(value: object, where: str) -> list[tuple[str, str]]:
    pairs = value if isinstance(value, list) and value and isinstance(value[0], list) else [value]
    result = []
    for pair in pairs:
        if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(v, str) for v in pair):
            raise SpecError(where, f"expected a pair of buffer names, got {pair!r}", 'swap = ["a", "b"]')
        if pair[0] == pair[1]:
            raise SpecError(where, f"swaps {pair[0]!r} with itself")
        result.append((pair[0], pair[1]))
    return result


def parse_defines(value: object, where: str) -> tuple[tuple[str, Expr], ...]:
    if not isinstance(value, dict):
        raise SpecError(where, "expected a table, e.g. defines = { N = \"n\", RADIUS = 2 }")
    result = []
    for name, item in sorted(value.items()):
        if not DEFINE_NAME.match(name):
            raise SpecError(f"{where}.{name}", "not a valid macro name")
        result.append((name, _expr(item, f"{where}.{name}")))
    return tuple(result)


def parse_nondeterminism(value: object, where: str) -> Nondeterminism | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = {"kind": value}
    if not isinstance(value, dict):
        raise SpecError(where, 'expected "atomics", "race" or a table { kind = ..., compare = ... }')
    unknown = sorted(set(value) - {"kind", "compare", "runs", "buffers", "reason"})
    if unknown:
        raise SpecError(f"{where}.{unknown[0]}", "unknown key", "allowed keys: buffers, compare, kind, reason, runs")
    kind = value.get("kind")
    if kind not in NONDETERMINISM_KINDS:
        raise SpecError(f"{where}.kind", f"{kind!r} is not one of {', '.join(NONDETERMINISM_KINDS)}")
    compare = value.get("compare", "repeat")
    if compare not in COMPARISONS:
        raise SpecError(f"{where}.compare", f"{compare!r} is not one of {', '.join(COMPARISONS)}")
    runs = value.get("runs", 3)
    if isinstance(runs, bool) or not isinstance(runs, int) or not 2 <= runs <= 100:
        raise SpecError(f"{where}.runs", f"expected an integer 2..100, got {runs!r}")
    buffers = value.get("buffers", [])
    if not isinstance(buffers, list) or not all(isinstance(b, str) for b in buffers):
        raise SpecError(f"{where}.buffers", "expected a list of output buffer names")
    reason = value.get("reason", "")
    if compare == "exclude" and not (isinstance(reason, str) and reason.strip()):
        raise SpecError(f"{where}.reason", 'compare = "exclude" needs a reason')
    return Nondeterminism(kind, compare, runs, tuple(buffers), reason)


def parse_ranges(value: object, where: str) -> tuple[tuple[Expr, Expr], ...]:
    """``undefined = [[start, stop], ...]``: half-open ranges of the flat index."""
    if not isinstance(value, list) or not value:
        raise SpecError(where, 'expected a list of [start, stop) ranges, e.g. [["n", "n_pad"]]')
    ranges = value if isinstance(value[0], list) else [value]
    result = []
    for index, item in enumerate(ranges):
        if not isinstance(item, list) or len(item) != 2:
            raise SpecError(f"{where}[{index}]", f"expected [start, stop], got {item!r}")
        result.append((_expr(item[0], f"{where}[{index}][0]"), _expr(item[1], f"{where}[{index}][1]")))
    return tuple(result)


def iter_steps(steps):
    for step in steps:
        yield step
        yield from iter_steps(step.body)


def check_step_names(spec: KernelSpec, where: str) -> None:
    """Every buffer a host op or swap names exists; swapped and copied buffers have equal sizes
    (checked per case in validation); a loop's count is a non-negative integer (per case)."""
    buffers = {b.name for b in spec.buffers}
    for step in iter_steps(spec.steps):
        names = [step.buffer, step.source] + [n for pair in step.swaps for n in pair]
        for name in (n for n in names if n):
            if name not in buffers:
                raise SpecError(f"{where}: step ({step.op})", f"{name!r} is not a buffer",
                                f"buffers: {', '.join(sorted(buffers))}")
