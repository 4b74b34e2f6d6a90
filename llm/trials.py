"""Trials a candidate cannot predict: shapes drawn from a per-run secret, special values, in-out
buffers from varied contents, program orders.

Everything random here comes from one ``numpy`` generator the harness seeds with its secret (a
``secrets.randbits`` number it never shows: not in prompts, not in reports), so two runs try
different shapes and values, and a run is reproducible only by whoever holds the secret (tests
pass one explicitly).

* :func:`odd_case`: every free size drawn between a quarter of the prompt's and the prompt's, then
  moved to the next prime (never a multiple of a block; tails everywhere).
* :func:`large_case`: far larger than the prompt's, within an element budget (the Triton CPU
  interpreter is slow: :data:`CPU_LARGE` elements, :data:`GPU_LARGE` on a GPU): at least
  :data:`MIN_LARGE` elements, every row wider than :data:`MIN_ROW`, a grid at least
  :data:`GRID_FACTOR` times the prompt's and, where the budget allows, above :data:`MAX_CAP`
  programs, so that no constant cap on a grid, a tile or a loop passes. Where the budget cannot
  hold every goal in one shape (wide rows *and* many rows), :func:`large_cases` adds a second
  shape that meets what the first missed.
* :func:`special_inputs`: NaN, +-inf, -0.0, denormals and the dtype's extremes among normal values.
* :func:`varied_inout`: every in-out buffer starts from random values of its dtype.

"Free" sizes are those that set no block and no shared-memory size (those stay as the prompt's)
and are at least 8 (small sizes are often counts with a meaning: channels, a radius).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from porter.golden.dtypes import DTYPES, bf16_to_f32, to_storage
from porter.golden.errors import SpecError
from porter.golden.inputs import make_inputs
from porter.golden.model import CaseSpec, KernelSpec, ResolvedCase
from porter.golden.resolve import resolve_case

#: The most elements (of its largest buffer) of the large trial on the Triton CPU interpreter, which
#: runs one program in a few milliseconds (a 256-lane elementwise program: 3-10 ms on a loaded
#: 2-core machine): 100k elements of saxpy are about 400 programs, 2-5 s.
CPU_LARGE = 100_000
#: ... and on a GPU.
GPU_LARGE = 1 << 25
#: What "far larger" means: more elements than this in the largest buffer,
MIN_LARGE = 1 << 16
#: rows (the last extent of a 2-D or wider buffer) wider than this,
MIN_ROW = 1024
#: a grid at least this many times the prompt's, and above this many programs where it fits.
GRID_FACTOR = 4
MAX_CAP = 65_536
#: Free sizes are at least this (smaller ones keep the prompt's value).
MIN_FREE = 8

DRAWS = 24  # random directions tried for the large shape
TRIES = 8  # odd shapes tried before giving up (a spec may constrain its sizes)


@dataclass(frozen=True)
class Drawn:
    """A drawn case, or why none could be drawn; ``unmet`` names what the large shape misses."""

    case: ResolvedCase | None
    note: str = ""
    unmet: tuple[str, ...] = ()


def fixed_sizes(spec: KernelSpec) -> set[str]:
    """Sizes that set a block or a shared-memory size: the kernel's shape, kept as the prompt's."""
    return {name for launch in spec.launches for e in (*launch.block, launch.shared_bytes) for name in _names(e)}


def free_sizes(spec: KernelSpec, base: ResolvedCase) -> list[str]:
    fixed = fixed_sizes(spec)
    return [k for k, v in base.sizes if k not in fixed and v >= MIN_FREE]


def row_sizes(spec: KernelSpec) -> set[str]:
    """Sizes that are the last extent of a buffer of two or more dimensions (a row's width)."""
    return {b.shape[-1] for b in spec.buffers if len(b.shape) >= 2 and isinstance(b.shape[-1], str)
            and re.fullmatch(r"[A-Za-z_]\w*", b.shape[-1])}


def elements(case: ResolvedCase) -> int:
    """The large trial's measure of size: its largest buffer."""
    return max(b.count for b in case.buffers)


def programs(case: ResolvedCase, free: set[str], spec: KernelSpec) -> int:
    """Programs of the largest launch whose grid depends on a free size (0: no such launch)."""
    sized = [math.prod(r.grid) for l, r in zip(spec.launches, case.launches)
             if any(_names(e) & free for e in l.grid)]
    return max(sized, default=0)


def odd_case(spec: KernelSpec, base: ResolvedCase, rng: np.random.Generator, seed: int) -> Drawn:
    free = free_sizes(spec, base)
    if not free:
        return Drawn(None, "no odd held-out shape: the spec has no free size")
    sizes = dict(base.sizes)
    last = ""
    for _ in range(TRIES):
        drawn = dict(sizes)
        for name in free:
            value = sizes[name]
            drawn[name] = next_prime(int(rng.integers(max(3, value // 4), max(4, value))))
        try:
            return Drawn(resolve_case(spec, CaseSpec("held-out", tuple(drawn.items()), seed)))
        except SpecError as error:
            last = str(error)
    return Drawn(None, f"no odd held-out shape: {TRIES} draws refused by the spec ({last})")


def large_case(spec: KernelSpec, base: ResolvedCase, rng: np.random.Generator, seed: int, budget: int,
               prefer: tuple[str, ...] = ()) -> Drawn:
    """The largest shape within ``budget`` in a random direction over the free sizes, preferring
    draws that meet every goal (see the module's docstring), first those in ``prefer`` (goals as
    :attr:`Drawn.unmet` names them: another draw's misses); the notes say which goals none met."""
    free = free_sizes(spec, base)
    if not free:
        return Drawn(None, "no large held-out shape: the spec has no free size")
    rows = row_sizes(spec) & set(free)
    base_programs = programs(base, set(free), spec)
    start = dict(base.sizes)

    def resolve(alpha: float, weights: np.ndarray, jitter: np.ndarray) -> ResolvedCase | None:
        sizes = dict(start)
        for name, w, j in zip(free, weights, jitter):
            sizes[name] = (int(start[name] * math.exp(alpha * w)) + int(j)) | 1  # odd: a tail in every block
        try:
            case = resolve_case(spec, CaseSpec("large", tuple(sizes.items()), seed))
        except SpecError:
            return None
        return case if elements(case) <= budget else None

    def goals(case: ResolvedCase) -> tuple[str, ...]:
        sizes = dict(case.sizes)
        unmet = []
        if elements(case) <= MIN_LARGE:
            unmet.append(f"more than {MIN_LARGE} elements")
        if any(sizes[r] <= MIN_ROW for r in rows):
            unmet.append(f"rows wider than {MIN_ROW}")
        grid = programs(case, set(free), spec)
        if base_programs and grid < GRID_FACTOR * base_programs:
            unmet.append(f"a grid {GRID_FACTOR}x the prompt's")
        if base_programs and grid <= MAX_CAP:
            unmet.append(f"a grid above {MAX_CAP} programs")
        return tuple(unmet)

    def score(unmet: tuple[str, ...]) -> tuple[int, int]:
        return sum(goal in prefer for goal in unmet), len(unmet)

    target = budget * float(rng.uniform(0.7, 1.0) if not prefer else 1.0)  # misses to make up: all the budget
    best: tuple[int, ResolvedCase] | None = None
    for _ in range(DRAWS * (4 if prefer else 1)):  # another draw's misses are the rarer shapes: look longer
        weights = rng.dirichlet(np.ones(len(free)))
        jitter = rng.integers(1, 64, len(free))
        low, high = 0.0, 1.0
        while resolve(high, weights, jitter) is not None and high < 64:
            low, high = high, high * 2
        for _ in range(30):  # bisect the largest step along this direction that fits the budget
            middle = (low + high) / 2
            found = resolve(middle, weights, jitter)
            if found is not None and elements(found) <= target:
                low = middle
            else:
                high = middle
        case = resolve(low, weights, jitter)
        if case is None:
            continue
        unmet = goals(case)
        if best is None or score(unmet) < score(goals(best[1])):
            best = (len(unmet), case)
        if not unmet:
            break
    if best is None:
        return Drawn(None, f"no large held-out shape: {DRAWS} draws refused by the spec or over {budget} elements")
    unmet = goals(best[1])
    note = f"large held-out shape misses: {', '.join(unmet)} (budget {budget} elements)" if unmet else ""
    return Drawn(best[1], note, unmet)


def large_cases(spec: KernelSpec, base: ResolvedCase, rng: np.random.Generator, budget: int) -> list[Drawn]:
    """One large shape (:func:`large_case`), and a second one, preferring the goals the first
    missed, where it meets at least one of them (no shape within the budget may meet all)."""
    first = large_case(spec, base, rng, int(rng.integers(0, 1 << 31)), budget)
    if first.case is None or not first.unmet:
        return [first]
    second = large_case(spec, base, rng, int(rng.integers(0, 1 << 31)), budget, prefer=first.unmet)
    return [first, second] if second.case is not None and set(first.unmet) - set(second.unmet) else [first]


def next_prime(value: int) -> int:
    candidate = max(2, value)
    while any(candidate % p == 0 for p in range(2, math.isqrt(candidate) + 1)):
        candidate += 1
    return candidate


# -- values ---------------------------------------------------------------------------------------
def float_specials(dtype: str) -> list[float]:
    """NaN, infinities, signed zeros, denormals and the smallest normal (the largest: see
    :func:`special_inputs`)."""
    _, tiny, sub = extremes(dtype)
    return [math.nan, math.inf, -math.inf, 0.0, -0.0, tiny, -tiny, sub, -sub, sub * 3, -tiny / 2, 1.0, -1.0]


def extremes(dtype: str) -> tuple[float, float, float]:
    """The largest finite value, the smallest normal and the smallest denormal of a float dtype."""
    if dtype == "bfloat16":
        big, tiny, sub = bf16_to_f32(np.array([0x7F7F, 0x0080, 0x0001], dtype=np.uint16)).tolist()
        return big, tiny, sub
    info = np.finfo(DTYPES[dtype].numpy)
    return float(info.max), float(info.tiny), float(info.smallest_subnormal)


def int_specials(dtype: str, low: int, high: int) -> list[int]:
    """The extremes of what the buffer may hold (the dtype's own where its init spans it), 0, -1."""
    info = np.iinfo(DTYPES[dtype].numpy)
    full = low <= int(info.min) and high >= int(info.max)
    lo, hi = (int(info.min), int(info.max)) if full else (low, high - 1)
    return sorted({v for v in (lo, hi, 0, -1, 1, lo + 1, hi - 1) if lo <= v <= hi})


def special_inputs(case: ResolvedCase, rng: np.random.Generator) -> tuple[dict[str, np.ndarray], list[str]]:
    """The case's inputs with special values in a region at a random place of every float input
    (and int inputs that hold values, not indices). In the region the first two such buffers take
    every pair of special values at the same element; elsewhere the values stay normal, so rows
    and reductions away from the region still carry information. The dtype's largest magnitude
    appears once per buffer (its sign drawn): two of them in one sum would make the result depend
    on the order of summation, which a legitimate rewrite may change."""
    inputs = make_inputs(case)
    chosen: list[str] = []
    places: dict[int, np.ndarray] = {}
    for buffer in case.buffers:
        params = dict(buffer.init.params)
        if buffer.role == "out" or buffer.init.kind not in ("normal", "uniform", "edge", "randint"):
            continue
        info = DTYPES[buffer.dtype]
        if info.is_float:
            specials = float_specials(buffer.dtype)
        elif buffer.init.kind == "randint" and int(params["high"]) - int(params["low"]) >= 1 << 16:
            specials = int_specials(buffer.dtype, int(params["low"]), int(params["high"]))
        else:
            continue  # small integer ranges are indices, labels or flags: extremes would only crash
        count = buffer.count
        if count not in places:
            size = min(count, max(len(specials) ** 2, count // 16))
            offset = int(rng.integers(0, count - size + 1))
            places[count] = offset + rng.permutation(size)
        where = places[count]
        m, index = len(specials), len(chosen)
        picks = np.arange(where.size)
        if index < 2:
            picks = (picks // m ** index) % m
        else:
            picks = rng.integers(0, m, where.size)
        crossed = min(where.size, m * m)
        picks[crossed:] = rng.integers(0, m, where.size - crossed)
        sprinkle = np.ones(where.size, dtype=bool)
        sprinkle[crossed:] = rng.random(where.size - crossed) < 0.25
        flat = _numbers(inputs[buffer.name], buffer.dtype).reshape(-1).copy()
        flat[where[sprinkle]] = np.asarray(specials, dtype=flat.dtype)[picks[sprinkle]]
        if info.is_float:
            big = extremes(buffer.dtype)[0]
            flat[where[int(rng.integers(0, where.size))]] = big if rng.random() < 0.5 else -big
        inputs[buffer.name] = to_storage(flat, buffer.dtype).reshape(buffer.shape)
        chosen.append(buffer.name)
    return inputs, chosen


def varied_inout(case: ResolvedCase, rng: np.random.Generator) -> tuple[dict[str, np.ndarray], list[str]]:
    """The case's inputs, every in-out buffer started from random values of its dtype instead of
    its spec's init (a kernel that stores where it should accumulate no longer passes)."""
    inputs = make_inputs(case)
    varied = []
    for buffer in case.buffers:
        if buffer.role != "inout":
            continue
        params = dict(buffer.init.params)
        if DTYPES[buffer.dtype].is_float:
            scale = params.get("std") or (params.get("high", 2.0) - params.get("low", -2.0)) / 4 or 1.0
            values = rng.normal(0.0, abs(float(scale)) or 1.0, buffer.count)
        else:
            signed = np.iinfo(DTYPES[buffer.dtype].numpy).min < 0
            values = rng.integers(-1000 if signed else 1, 1000, buffer.count)
        inputs[buffer.name] = to_storage(values, buffer.dtype).reshape(buffer.shape)
        varied.append(buffer.name)
    return inputs, varied


def shuffle_order(rng: np.random.Generator) -> str:
    """A program order for the CPU interpreter: a shuffle with a seed of its own (not the secret)."""
    return f"shuffle:{int(rng.integers(0, 1 << 31))}"


def _numbers(stored: np.ndarray, dtype: str) -> np.ndarray:
    return bf16_to_f32(stored) if dtype == "bfloat16" else np.asarray(stored)


def _names(expression) -> set[str]:
    return set(re.findall(r"[A-Za-z_]\w*", expression)) if isinstance(expression, str) else set()
