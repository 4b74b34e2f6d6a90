"""Strided lane loops as uniform counted loops: ``c = start + k * step`` instead of ``c += step``.

The lowering turns ``for (int c = threadIdx.x; c < n; c += 256) body`` into a masked loop that
carries a per-lane induction variable and mask from one iteration to the next::

    let lm = (act && (c < n))
    masked loop while any(lm):  [trips T]
      ...body under lm...
      c = (c + 256) where lm
      lm = (lm && (c < n))

A target then sees ``c`` as an opaque loop-carried vector: it cannot tell that the lanes read
consecutive addresses (no vector loads), and every copy of an unrolled body has to wait for the
previous copy's update of ``c`` and ``lm``. When the trip counts are known on entry (``T``,
:mod:`.trips`) and the condition is ``c < n`` (or ``<=``) with ``n`` uniform, the loop is a
uniform loop over ``k`` whose iterations recompute ``c`` and ``lm`` from loop invariants::

    let lm_trips = reduce.max(T over lm)
    let c_start = c;  let c_wide = cast<i64>(c);  let lm_k = 0
    loop while (lm_k < lm_trips):  [trips lm_trips, spare S]
      c = (c_start + lm_k * 256)
      lm = (act && (c_wide < (n - lm_k * 256)))
      ...body...
      lm_k = (lm_k + 1)

The two forms run the same iterations per lane: ``c`` only grows (the step is positive and
never changes, nor does ``n``), so ``lm`` and'ed over the iterations equals the condition on the
current one, and a lane past its trip count stays masked off in every later iteration, the
``spare`` ones a target may run past the largest count when it unrolls included. The condition
is evaluated as ``start < n - k * step`` in 64 bits, where nothing wraps: on the lanes it lets
through, ``start + k * step`` is a value the CUDA thread computes itself (below ``n``), so the
32-bit ``c`` equals the CUDA variable wherever it is used; elsewhere it may have wrapped, and
every effect there is masked off.

Two refinements, each only where the values' ranges (:mod:`.ranges`) prove it exact:

* **32 bits** (``_narrow``): for an ``int`` variable whose start and step have known ranges
  (``threadIdx.x``, ``blockDim.x``, constants), the counter is ``u32`` and the test
  ``c_start < n - k * step`` is made in ``int``: every trip count (plus ``spare``) fits 32
  unsigned bits, and while the loop runs ``n - k * step`` stays within ``int``, so its wrapping
  32-bit arithmetic gives the true value. No 64-bit arithmetic is left in the loop (a row loop of
  cross_entropy ran 10% faster on the H200 for that alone).
* **The largest count without a block reduction** (``_lowest_lane_trips``): when the start only
  rises with the thread coordinates (``threadIdx.x``, ``4 * threadIdx.x + 3``; no wrap) and the
  body's every effect is masked by the loop's lanes, the count of the lowest start (thread 0),
  computed from uniform values, bounds every lane's count; the iterations it adds for the lanes
  present do nothing (as the ``spare`` ones), and a block-wide reduction (a barrier) is saved.

Matched: a ``let`` of the loop mask, then the ``mloop`` with trips, whose last two statements
are ``c = (c + step) where lm`` (``step`` uniform, ``c`` a 32-bit integer) and
``lm = (lm && cond)``, with the mask's initial value ``M && cond`` (or ``cond``); the body writes
neither ``c``, ``lm`` nor any name ``M``, ``cond`` or ``step`` reads; ``c`` and ``lm`` are read
nowhere else (the loop's own ``c``: the lowering names each declaration apart).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from porter.passes.tile.program import BlockProgram, S, V, assigned, fmt, masked_only, reads, values_in, walk_statements
from porter.passes.tile.ranges import TYPE_RANGES, lowest_lane, value_range

#: induction-variable types rewritten (C's int and unsigned: their comparisons are exact in 64 bits)
_INDEX_TYPES = ("i32", "u32")


@dataclass(frozen=True)
class StridedLoops:
    """``spare``: iterations a target may run past a loop's trip count (its unrolled copies - 1)."""

    spare: int = 0
    name: str = "strided-lane-loops"

    def apply(self, program: BlockProgram) -> BlockProgram:
        names = _all_names(program.body) | {p.name for p in program.params}
        rewriter = _Rewriter(program, names, self.spare)
        body = rewriter.body(program.body)
        return replace(program, body=body, strided=program.strided + rewriter.rewritten)


def strided_loops(program: BlockProgram, spare: int = 0) -> BlockProgram:
    return StridedLoops(spare).apply(program)


@dataclass(frozen=True)
class _Match:
    var: str  # the induction variable c
    dtype: str  # its type (i32 or u32)
    mask: str  # the loop mask lm
    outer: V | None  # M: the lanes the loop starts on (None: all)
    compare: str  # the condition: c < bound or c <= bound
    bound: V  # uniform
    step: V  # uniform, positive
    start: V | None  # c's value on entry (its declaration), when known


class _Rewriter:
    def __init__(self, program: BlockProgram, names: set[str], spare: int):
        self.program = program
        self.names = names
        self.spare = spare
        self.rewritten = 0

    def fresh(self, base: str) -> str:
        name, k = base, 1
        while name in self.names:
            k += 1
            name = f"{base}{k}"
        self.names.add(name)
        return name

    def body(self, body: tuple[S, ...]) -> tuple[S, ...]:
        out: list[S] = []
        for i, s in enumerate(body):
            if s.body or s.orelse:
                s = replace(s, body=self.body(s.body), orelse=self.body(s.orelse))
            match = _match(body, i, self.program) if s.kind == "mloop" else None
            if match is None:
                out.append(s)
                continue
            out.extend(self.rewrite(s, match))
        return tuple(out)

    def rewrite(self, loop: S, m: _Match) -> list[S]:
        """The largest trip count on entry, then the uniform loop over ``k``."""
        if m.start is not None and any(x.op in ("tid", "ltid") for x in values_in(m.start)):
            self.rewritten += 1  # the lanes start apart: the block streams through the range
        line = loop.line
        narrow = _narrow(m, self.spare)
        counter_type = "u32" if narrow else "i64"
        trips_name, k = self.fresh(f"{m.mask}_trips"), self.fresh(f"{m.mask}_k")
        start = self.fresh(f"{m.var}_start")
        lanes = V("var", "bool", True, (m.mask,))
        trips = V("var", counter_type, False, (trips_name,))
        counter = V("var", counter_type, False, (k,))
        one = V("const", counter_type, False, (1,))
        offset = _bin("*", _cast(counter, m.dtype), _cast(m.step, m.dtype), m.dtype)
        index = V("bin", m.dtype, True, ("+", V("var", m.dtype, True, (start,)), offset))
        lane_trips = loop.args[1]
        setup: list[S] = []
        if narrow:
            # c < n as start < n - k * step in c's 32-bit type: the right side's true value fits the
            # type (:func:`_narrow`), so its wrapping arithmetic gives exactly that value
            room = V("bin", m.dtype, False, ("-", m.bound, offset))
            within = V("bin", "bool", True, (m.compare, V("var", m.dtype, True, (start,)), room))
        else:
            # c < n as start < n - k * step, in 64 bits: exact where start + k * step would wrap
            wide = self.fresh(f"{m.var}_wide")
            setup.append(S("let", (wide, _cast(V("var", m.dtype, True, (m.var,)), "i64")), line))
            room = _bin("-", _cast(m.bound, "i64"), _bin("*", counter, _cast(m.step, "i64")))
            within = V("bin", "bool", True, (m.compare, V("var", "i64", True, (wide,)), room))
        # the largest count: the lowest lane's, when no lane starts lower and extra iterations are
        # harmless (every effect of the body masked by the loop's lanes); else a block reduction
        lowest = _lowest_lane_trips(m, lane_trips, loop.body)
        if lowest is not None:
            largest = _cast(lowest, counter_type)
        else:
            largest = _cast(V("reduce", "i64", False, ("max", lane_trips, lanes, None)), counter_type)
        active = within if m.outer is None else V("bin", "bool", True, ("&&", m.outer, within))
        body = (S("set", (m.var, index, None), line), S("set", (m.mask, active, None), line),
                *loop.body[:-2], S("set", (k, _bin("+", counter, one, counter_type), None), line))
        return [*setup,
                S("let", (trips_name, largest), line),
                S("let", (start, V("var", m.dtype, True, (m.var,))), line),
                S("let", (k, V("const", counter_type, False, (0,))), line),
                S("loop", (V("bin", "bool", False, ("<", counter, trips)), trips, self.spare), line, body=body)]


def _narrow(m: _Match, spare: int) -> bool:
    """Whether the loop runs in 32 bits: a 32-bit unsigned counter (every lane's trip count, and
    the counter past the largest by ``spare``, fit) and ``start < n - k * step`` tested in c's
    signed 32-bit type (``n - k * step`` fits it on every iteration the loop runs).

    From the values' ranges (:mod:`.ranges`): a lane's count is at most ``(highest n - lowest
    start) / lowest step + 1``; while the loop runs, ``k`` is below the largest count plus
    ``spare``, so ``n - k * step`` stays between ``lowest start - (spare + 1) * highest step`` and
    ``n``."""
    if m.dtype != "i32" or m.start is None:
        return False
    start, step, bound = value_range(m.start), value_range(m.step), TYPE_RANGES.get(m.bound.dtype)
    if start is None or step is None or bound is None or bound[1] > TYPE_RANGES["i32"][1]:
        return False
    most = max(0, bound[1] - start[0]) // max(1, step[0]) + 1
    lowest_room = start[0] - (spare + 1) * step[1] + 1
    return most + spare <= TYPE_RANGES["u32"][1] and lowest_room >= TYPE_RANGES["i32"][0]


def _lowest_lane_trips(m: _Match, lane_trips: V, body) -> V | None:
    """The trip count of a lane at the lowest start (thread coordinates 0), uniform: no lane's count
    is above it (a lane's count only falls as its start rises). None unless the start is such an
    expression (:func:`.ranges.lowest_lane`) and iterations past every lane's count do nothing."""
    if m.start is None or not masked_only(body):
        return None
    start = lowest_lane(m.start)
    if start is None:
        return None
    count = _substitute(lane_trips, m.var, start)
    return None if count is None or count.vec else count


def _substitute(v: V, name: str, value: V) -> V | None:
    """``v`` with variable ``name`` replaced by ``value`` (lane vectors recomputed)."""
    if v.op == "var":
        return value if v.args[0] == name else v
    if not any(isinstance(a, V) for a in v.args):
        return v
    args = tuple(_substitute(a, name, value) if isinstance(a, V) else a for a in v.args)
    vec = any(a.vec for a in args if isinstance(a, V))
    return V(v.op, v.dtype, vec, args)


def _bound(cond: V, var: str, dtype: str) -> tuple[str, V] | None:
    """``("<", n)`` when the condition is ``c < n`` (``<=`` likewise), ``c`` as it is or widened
    to 64 bits as C converts it, ``n`` uniform and of the type the comparison is made in."""
    if cond.op != "bin" or cond.args[0] not in ("<", "<=") or cond.args[2].vec:
        return None
    lhs, bound = cond.args[1], cond.args[2]
    widened = lhs.op == "cast" and lhs.dtype == "i64"
    if widened:
        lhs = lhs.args[0]
    if lhs.op != "var" or lhs.args[0] != var or lhs.dtype != dtype:
        return None
    if bound.dtype != ("i64" if widened else dtype):
        return None
    return cond.args[0], bound


def _bin(op: str, a: V, b: V, dtype: str = "i64") -> V:
    return V("bin", dtype, a.vec or b.vec, (op, a, b))


def _cast(v: V, dtype: str) -> V:
    if v.dtype == dtype:
        return v
    if v.op == "const" and isinstance(v.args[0], int) and not isinstance(v.args[0], bool):
        return V("const", dtype, False, v.args)  # steps are positive: the value fits
    return V("cast", dtype, v.vec, (v,))


def _match(body: tuple[S, ...], i: int, program: BlockProgram) -> _Match | None:
    loop = body[i]
    if i == 0 or len(loop.args) < 2 or loop.args[1] is None or len(loop.body) < 3:
        return None
    lm = loop.args[0]
    first, step_stmt, mask_stmt = body[i - 1], loop.body[-2], loop.body[-1]
    if first.kind != "let" or first.args[0] != lm:
        return None
    # lm = (lm && cond)
    update = mask_stmt.args[1] if mask_stmt.kind == "set" and mask_stmt.args[0] == lm else None
    if update is None or mask_stmt.args[2] is not None or update.op != "bin" or update.args[0] != "&&" \
            or update.args[1].op != "var" or update.args[1].args[0] != lm:
        return None
    cond = update.args[2]
    # c = (c + step) where lm
    if step_stmt.kind != "set" or step_stmt.args[2] != lm:
        return None
    c, value = step_stmt.args[0], step_stmt.args[1]
    dtype = value.dtype
    if value.op == "cast" and value.args[0].dtype in _INDEX_TYPES:
        value = value.args[0]  # int c += unsigned step: the sum in 32-bit unsigned, cast back
    if value.op != "bin" or value.args[0] != "+" or dtype not in _INDEX_TYPES or not value.vec:
        return None
    lhs, rhs = value.args[1], value.args[2]
    step = rhs if _is_var(lhs, c) else lhs if _is_var(rhs, c) else None
    if step is None or step.vec or c in reads(step):
        return None
    bounded = _bound(cond, c, dtype)
    if bounded is None:
        return None
    # the mask's initial value: M && cond, or cond
    init = first.args[1]
    init = init.args[0] if init.op == "splat" else init
    if fmt(init) == fmt(cond):
        outer = None
    elif init.op == "bin" and init.args[0] == "&&" and fmt(init.args[2]) == fmt(cond):
        outer = init.args[1]
    else:
        return None
    inner = loop.body[:-2]
    written = _written(inner)
    if written & ({c, lm} | reads(cond) | reads(outer) | reads(step)):
        return None
    if _read_elsewhere(program.body, {c, lm}, keep={id(first), id(loop)}, declaration=c):
        return None
    return _Match(c, dtype, lm, outer, *bounded, step, _declared(body[:i - 1], c))


def _declared(before, var: str) -> V | None:
    """The value ``var`` is declared with (``let``) among the statements ``before`` the loop."""
    for s in reversed(before):
        if s.kind == "let" and s.args[0] == var:
            return s.args[1]
    return None


def _is_var(v: V, name: str) -> bool:
    """``v`` is variable ``name``, or a cast of it between 32-bit integer types (same bits)."""
    if v.op == "cast" and v.dtype in _INDEX_TYPES and v.args[0].dtype in _INDEX_TYPES:
        v = v.args[0]
    return v.op == "var" and v.args[0] == name


def _written(body) -> set[str]:
    return {name for s in walk_statements(body) for name in assigned(s)}


def _statement_reads(s: S) -> set[str]:
    """The names statement ``s`` reads itself (not its nested bodies), masks given by name included."""
    found: set[str] = set()
    for a in s.args:
        for x in a if isinstance(a, tuple) else (a,):
            found |= reads(x) if isinstance(x, V) else set()
    mask = {"set": 2, "store": 4, "vstore": 4, "mloop": 0}.get(s.kind)
    if mask is not None and isinstance(s.args[mask], str):
        found.add(s.args[mask])
    return found


def _read_elsewhere(body, names: set[str], keep: set[int], declaration: str) -> bool:
    """Whether a statement outside the loop (and the mask's ``let``) reads or writes ``names``,
    other than ``declaration``'s own ``let`` (the loop's ``for`` initialisation)."""
    for s in body:
        if id(s) in keep:
            continue
        if s.kind == "let" and s.args[0] == declaration:
            if reads(s.args[1]) & names:
                return True
            continue
        if _statement_reads(s) & names:
            return True
        if set(assigned(s)) & names:
            return True
        if _read_elsewhere(s.body, names, keep, declaration) or _read_elsewhere(s.orelse, names, keep, declaration):
            return True
    return False


def _all_names(body) -> set[str]:
    names = _written(body)
    for s in walk_statements(body):
        names |= _statement_reads(s)
    return names
