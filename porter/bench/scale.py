"""``porter bench --scale MB``: grow a golden case until it moves about MB megabytes.

The golden cases are tiny (at most ~160 kB), so their times are launch latency. A scaled case
multiplies every *data size* of the case by one integer factor ``k``:

* a data size is a name of the case's ``sizes`` that appears in a buffer's shape;
* a size that also appears in a launch's ``block``, ``shared_bytes`` or in a kernel's template
  arguments (``threads``, ``bins``) is tied to the launch configuration: it is held, never guessed;
* sizes that appear in no buffer shape (``max_steps``, ``offset``, ``step``) are held: they change
  the work per element, not the data;
* ``k`` is the largest factor whose case moves at most MB x 10^6 bytes (:func:`~porter.bench.model.
  bytes_moved`), still resolves (grid, block and shared-memory limits) and, for kernels with a flop
  formula, does at most :data:`MAX_SCALED_FLOPS`; when every data size is a power of two, ``k`` is
  a power of two too (a kernel may need it: bitonic sort), otherwise any integer (divisibility by
  the original sizes' factors is kept either way);
* a case with no data size, or whose factor cannot exceed 1 while it moves less than MB, is *not
  scalable*: it is listed with the reason and not timed.

Expressions over sizes (``grid = cdiv(n, 256)``, shapes ``rows * 11``) follow automatically, since
the scaled case is resolved like any other (:func:`porter.golden.resolve.resolve_case`).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from porter.bench.model import bytes_moved, flops
from porter.golden.errors import GoldenError
from porter.golden.expr import FUNCTIONS
from porter.golden.model import CaseSpec, Expr, KernelSpec, ResolvedCase
from porter.golden.resolve import resolve_case

MB = 1_000_000
#: kernels with a flop formula are not grown past this many flops per run (naive matmul, conv, attention)
MAX_SCALED_FLOPS = 1e11
MAX_FACTOR = 1 << 30


@dataclass(frozen=True)
class ScaledCase:
    """A case grown by ``factor`` (``case`` is None when it is not scalable; ``reason`` says why)."""

    original: CaseSpec
    case: CaseSpec | None
    factor: int
    scaled: tuple[str, ...] = ()
    held: tuple[tuple[str, str], ...] = ()  # size -> why it is held
    reason: str = ""  # not scalable: why; scalable: what stopped the growth below the target, if anything
    resolved: ResolvedCase | None = field(default=None, compare=False)

    @property
    def scalable(self) -> bool:
        return self.case is not None


def names_in(expression: Expr) -> set[str]:
    """The size names an expression uses (``cdiv(n, 256)`` -> {"n"})."""
    if not isinstance(expression, str):
        return set()
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return set(re.findall(r"[A-Za-z_]\w*", expression)) - set(FUNCTIONS)
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} - set(FUNCTIONS)


def held_sizes(spec: KernelSpec) -> dict[str, str]:
    """Sizes tied to the launch configuration: name -> why (block size, shared memory, template argument)."""
    held: dict[str, str] = {}
    for index, launch in enumerate(spec.launches):
        for expression in launch.block:
            for name in names_in(expression):
                held.setdefault(name, f"launch[{index}].block")
        for name in names_in(launch.shared_bytes):
            held.setdefault(name, f"launch[{index}].shared_bytes")
        if "<" in launch.kernel:
            for name in re.findall(r"[A-Za-z_]\w*", launch.kernel.split("<", 1)[1]):
                held.setdefault(name, f"launch[{index}] template argument")
    return held


def data_sizes(spec: KernelSpec) -> set[str]:
    return {name for buffer in spec.buffers for extent in buffer.shape for name in names_in(extent)}


def _is_pow2(value: int) -> bool:
    return value > 0 and value & (value - 1) == 0


def scale_case(spec: KernelSpec, case: CaseSpec, target_bytes: int,
               max_flops: float = MAX_SCALED_FLOPS) -> ScaledCase:
    """``case`` grown to move at most ``target_bytes`` (see the module's rules)."""
    sizes = case.size_map
    tied, data = held_sizes(spec), data_sizes(spec)
    grow = tuple(name for name in sizes if name in data and name not in tied)
    held = tuple((name, tied.get(name, "in no buffer shape")) for name in sizes if name not in grow)
    if not grow:
        why = ", ".join(f"{name} ({where})" for name, where in held) or "the case has no sizes"
        return ScaledCase(case, None, 1, (), held, f"not scalable: no data size can grow; held: {why}")
    power_of_two = all(_is_pow2(sizes[name]) for name in grow)

    def build(k: int) -> tuple[ScaledCase | None, str]:
        """The case at factor k, or why it is not allowed / too big."""
        new = tuple((name, value * k if name in grow else value) for name, value in case.sizes)
        candidate = CaseSpec(case.name if k == 1 else f"{case.name}@x{k}", new, case.seed)
        try:
            resolved = resolve_case(spec, candidate)
        except GoldenError as error:
            return None, f"limited by {getattr(error, 'message', error)}"
        if bytes_moved(resolved) > target_bytes:
            return None, ""
        work = flops(resolved)
        if work is not None and work > max_flops:
            return None, f"limited by the flop cap ({max_flops:.3g} flops per run)"
        return ScaledCase(case, candidate, k, grow, held, "", resolved), ""

    step = (lambda e: 1 << e) if power_of_two else (lambda e: e)
    best, why = build(1)
    if best is None:  # already larger than the target, or over the caps: time it as it is
        try:
            resolved = resolve_case(spec, case)
        except GoldenError as error:
            return ScaledCase(case, None, 1, grow, held, f"not scalable: {error}")
        return ScaledCase(case, case, 1, grow, held, why or "already moves more than the target", resolved)
    # grow exponentially in the exponent (power-of-two steps) or the factor, then bisect
    low = 0 if power_of_two else 1
    high = None
    probe = 1 if power_of_two else 2
    while step(probe) <= MAX_FACTOR:
        found, reason = build(step(probe))
        if found is None:
            high, why = probe, reason
            break
        best, low = found, probe
        probe = probe + 1 if power_of_two else probe * 2
    if high is not None:
        while high - low > 1:
            middle = (low + high) // 2
            found, reason = build(step(middle))
            if found is None:
                high, why = middle, reason
            else:
                best, low = found, middle
    if best.factor == 1:
        return ScaledCase(case, None, 1, grow, held, f"not scalable: {why or 'it cannot grow'} "
                          f"(grew {', '.join(grow)}; held {', '.join(n for n, _ in held) or 'nothing'})")
    return ScaledCase(case, best.case, best.factor, grow, held, why, best.resolved)


def scale_selection(chosen: list[tuple[KernelSpec, list[CaseSpec]]], target_bytes: int,
                    all_cases: bool = False) -> tuple[list[tuple[KernelSpec, list[ScaledCase]]],
                                                    list[tuple[KernelSpec, ScaledCase]]]:
    """(kernel -> its scaled cases to time, cases not timed because not scalable).

    Without ``all_cases`` one case per kernel is kept, the scaled case that moves the most bytes (the
    first on a tie): at a common size a kernel's cases differ only in their corner-case sizes."""
    timed, not_scalable = [], []
    for spec, cases in chosen:
        keep = []
        for case in cases:
            scaled = scale_case(spec, case, target_bytes)
            if not scaled.scalable:
                not_scalable.append((spec, scaled))
            else:
                keep.append(scaled)
        if keep and not all_cases:  # the case that comes closest to the target (the first on a tie)
            keep = [max(keep, key=lambda s: bytes_moved(s.resolved))]
        if keep:
            timed.append((spec, keep))
    return timed, not_scalable


def describe(scaled: ScaledCase) -> str:
    sizes = " ".join(f"{k}={v}" for k, v in (scaled.case or scaled.original).sizes)
    held = ", ".join(f"{name}: {why}" for name, why in scaled.held)
    text = f"x{scaled.factor} ({sizes})"
    if held:
        text += f"; held {held}"
    if scaled.reason:
        text += f"; {scaled.reason}"
    return text


def scale_document(megabytes: float, timed: list[tuple[KernelSpec, list[ScaledCase]]],
                   not_scalable: list[tuple[KernelSpec, ScaledCase]], all_cases: bool = False) -> dict:
    """The ``scale`` section of a results document: the rule, each timed case's growth, the cases left out."""
    return {
        "target_MB": megabytes,
        "target_bytes": int(megabytes * MB),
        "rule": "every size in a buffer shape times one integer factor (a power of two when those sizes all are), "
                "the largest that moves at most target_bytes, still resolves and stays under max_flops; "
                "sizes in block, shared_bytes or template arguments held",
        "max_flops": MAX_SCALED_FLOPS,
        "cases_per_kernel": "all scalable" if all_cases else "the scaled case moving the most bytes",
        "reference": "the CUDA original's first-run outputs at the scaled size (golden tolerances)",
        "cases": [{"kernel": spec.name, "case": s.case.name, "from_case": s.original.name, "factor": s.factor,
                   "sizes": dict(s.case.sizes), "grew": list(s.scaled), "held": dict(s.held),
                   "bytes": bytes_moved(s.resolved), "note": s.reason}
                  for spec, cases in timed for s in cases],
        "not_scalable": [{"kernel": spec.name, "case": s.original.name, "reason": s.reason}
                         for spec, s in not_scalable],
    }


def scale_lines(document: dict) -> list[str]:
    """What --scale did, for the dry run and the table: one line per timed case, then the cases left out."""
    lines = [(f"scale: cases grown to move at most {document['target_MB']:g} MB ({document['cases_per_kernel']}); "
              "outputs checked against the CUDA original's")]
    for c in document["cases"]:
        sizes = " ".join(f"{k}={v}" for k, v in c["sizes"].items())
        held = ", ".join(f"{k} ({v})" for k, v in c["held"].items())
        lines.append(f"  {c['kernel']}/{c['case']}  x{c['factor']}  {sizes}  {c['bytes'] / MB:.1f} MB"
                     + (f"  held {held}" if held else "") + (f"  [{c['note']}]" if c["note"] else ""))
    for c in document["not_scalable"]:
        lines.append(f"  {c['kernel']}/{c['case']}  {c['reason']}")
    return lines
