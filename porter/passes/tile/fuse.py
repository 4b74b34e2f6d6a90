"""Which counted loops a target may run as one tile of iterations: ``copies`` at once, side by side.

A target that unrolls a counted uniform loop writes ``copies`` copies of its body per iteration
(one after another: each lane computes ``copies`` lane vectors). *Fusing* them instead makes
the iterations a second tile dimension: the body runs once per ``copies`` iterations over
``[copies, lanes]`` tensors, the counter being ``k + step * (0, 1, .., copies - 1)``, so that
one load covers ``copies * lanes`` elements (as a hand-written tile kernel's ``BLOCK`` does).

That is faithful only where the iterations do not depend on each other, which :func:`plan`
checks for one loop (``loop`` with ``trips``), or answers None:

* the loop is counted, and its iterations past ``trips`` do nothing (``spare`` at least
  ``copies - 1``), or ``trips`` is a constant that ``copies`` divides;
* its last statement is ``k = k + step`` (``k`` uniform, an integer; ``step`` loop-invariant), the
  only assignment of ``k``; ``k`` is not read after the loop when the rounding up to a multiple
  of ``copies`` would leave it different;
* every other variable the body sets is either *local* (first set unmasked, read by nothing
  before that in the body nor after the loop) or an *accumulator*: a lane vector set exactly
  once, ``acc = op(acc, term)`` (optionally masked) with ``op`` one of ``+``, ``max``, ``min``,
  and read by nothing else in the body. Max and min and integer sums combine the copies' terms
  in any order (exact); a floating-point sum (``in_order``) only copy by copy in iteration order
  gives every lane exactly the values it added before, in the same order: a target that
  combines them otherwise reassociates the sum, and must say so;
* no statement but ``let``/``set``/``where``/``store``; no exchange between lanes, reduction,
  atomic or wide access;
* every store goes through a ``__restrict__`` parameter (:mod:`.alias`) or into a shared array
  that no load of the body reads from, at an index affine in ``k`` whose coefficient is a
  non-zero constant, so that no two iterations of a lane write one element and the order the
  copies' stores run in does not matter, or a constant times loop-invariant uniform *factors*
  (``(y + k) * rows``): then the elements differ unless a factor is zero, which a target checks
  when the loop runs (:attr:`Fusion.guards`: where one is zero, only the last copy that stores
  may store, as the loop's last write is the one that stays).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from porter.passes.tile.alias import Aliasing
from porter.passes.tile.program import (EXCHANGE_OPS, BlockProgram, S, V, assigned, fmt, lane_vectors, loads_in, ops,
                                       reads, set_once, statement_reads, straight_line, walk_statements)
#: accumulator operations: the block-program operation that combines -> the reduction
_COMBINE = {("bin", "+"): "add", ("math", "max"): "max", ("math", "min"): "min"}


@dataclass(frozen=True)
class Accumulator:
    name: str
    op: str  # add, max, min
    term: V  # the value combined into the accumulator on every iteration
    mask: str | V | None  # the lanes that combine (None: all)
    in_order: bool  # a floating-point sum: the copies are added one by one, in iteration order


@dataclass(frozen=True)
class Fusion:
    counter: str  # the loop's counter ``k``
    step: V  # its increment per iteration
    copies: int  # iterations per tile
    locals: frozenset[str]  # variables set afresh in every iteration
    accumulators: dict[int, Accumulator]  # id(statement) -> what it accumulates
    increment: int  # id of the counter's ``k = k + step``
    #: id(store) -> the uniform factors of its index's coefficient of ``k`` (none: a constant)
    guards: dict[int, tuple[V, ...]] = field(default_factory=dict)


def runs_once(loop: S, fusion: Fusion) -> bool:
    """Whether one tile of ``fusion`` holds every iteration of ``loop`` (a constant count)."""
    trips = loop.args[1]
    return trips.op == "const" and trips.args[0] == fusion.copies


def copies_for(loop: S, unroll: int) -> int:
    """How many iterations of ``loop`` (a counted ``loop``) a tile may hold: a power of two at
    most ``unroll`` that the spare iterations cover, or that divides a constant trip count."""
    trips, spare = loop.args[1], loop.args[2] if len(loop.args) > 2 else 0
    copies = 1
    while copies * 2 <= unroll:
        copies *= 2
    while copies > 1:
        if spare >= copies - 1 or trips.op == "const" and trips.args[0] % copies == 0:
            return copies
        copies //= 2
    return 1


def plan(loop: S, copies: int, program: BlockProgram, memory: Aliasing) -> Fusion | None:
    """How ``loop``'s iterations run ``copies`` at a time, or None where that is not faithful."""
    if loop.kind != "loop" or len(loop.args) < 2 or loop.args[1] is None or copies < 2 or not loop.body:
        return None
    increment = loop.body[-1]
    counter = _counter(increment)
    if counter is None:
        return None
    flat = list(straight_line(loop.body[:-1]))  # a branch or a nested loop is refused just below
    if any(s.kind not in ("let", "set", "where", "store") for s in flat):
        return None
    if any(ops(x) & EXCHANGE_OPS for s in flat for x in s.args):
        return None
    written = {name for s in flat for name in assigned(s)}
    step = increment.args[1].args[2]
    if counter in written or reads(step) & (written | {counter}):
        return None
    vectors = lane_vectors(program)
    later = _read_after(program.body, loop)
    trips = loop.args[1]
    exact_end = trips.op == "const" and trips.args[0] % copies == 0
    if counter in later and not exact_end:
        return None
    accumulators: dict[int, Accumulator] = {}
    local: set[str] = set()
    for name in sorted(written):
        setters = [s for s in flat if name in assigned(s)]
        readers = [i for i, s in enumerate(flat) if name in statement_reads(s)]
        found = _accumulator(setters[0], name, vectors) if len(setters) == 1 else None
        if found is not None and readers == [flat.index(setters[0])]:
            accumulators[id(setters[0])] = found
            continue
        first = flat.index(setters[0])
        unmasked = setters[0].kind != "set" or setters[0].args[2] is None
        if not unmasked or name in later or any(i <= first for i in readers):
            return None
        local.add(name)
    guards = _store_guards(flat, counter, memory)
    if guards is None:
        return None
    return Fusion(counter, step, copies, frozenset(local), accumulators, id(increment), guards)


# ------------------------------------------------------------------------------------- helpers
def _counter(s: S) -> str | None:
    """``k`` of a final ``k = k + step`` (k a uniform integer, no mask), else None."""
    if s.kind != "set" or s.args[2] is not None:
        return None
    value = s.args[1]
    if value.vec or value.dtype[0] not in "iu" or value.op != "bin" or value.args[0] != "+":
        return None
    left = value.args[1]
    if left.op != "var" or left.args[0] != s.args[0]:
        return None
    return s.args[0]


def _accumulator(s: S, name: str, vectors: set[str]) -> Accumulator | None:
    """``s`` as ``name = op(name, term)``, or None."""
    if s.kind != "set" or name not in vectors:
        return None
    value, mask = s.args[1], s.args[2]
    key = (value.op, value.args[0]) if value.op in ("bin", "math") else None
    op = _COMBINE.get(key)
    if op is None or len(value.args) != 3 or value.dtype not in ("f32", "f64", "i32", "i64", "u32", "u64"):
        return None
    left, right = value.args[1], value.args[2]
    if isinstance(left, V) and left.op == "var" and left.args[0] == name:
        term = right
    elif isinstance(right, V) and right.op == "var" and right.args[0] == name:
        term = left
    else:
        return None
    if name in reads(term) or name in reads(mask) or term.dtype != value.dtype:
        return None
    return Accumulator(name, op, term, mask, op == "add" and value.dtype[0] == "f")


def _read_after(body, loop: S) -> set[str]:
    """Names that may be read after ``loop`` runs: by the statements after it, and by the whole of
    every loop around it (their condition and next iteration), its own body left out."""
    inside = {id(s) for s in walk_statements((loop,))}

    def after(stmts) -> set[str] | None:
        for i, s in enumerate(stmts):
            if s is loop:
                return _reads_outside(stmts[i + 1:], inside)
            for nested in (s.body, s.orelse):
                found = after(nested)
                if found is not None:
                    found |= _reads_outside(stmts[i + 1:], inside)
                    if s.kind in ("loop", "mloop"):
                        found |= statement_reads(s) | _reads_outside(s.body, inside)
                    return found
        return None

    return after(body) or set()


def _reads_outside(stmts, inside: set[int]) -> set[str]:
    return set().union(set(), *(statement_reads(s) for s in walk_statements(stmts) if id(s) not in inside))


def _store_guards(flat, counter: str, memory: Aliasing) -> dict[int, tuple[V, ...]] | None:
    """Every store of the body writes through a restrict parameter or into a shared array that
    no load of the body reads, at an index that moves with the counter: each store's factors
    that must be non-zero for that (see :attr:`Fusion.guards`), or None where the copies' stores
    may not commute."""
    stores = [s for s in flat if s.kind == "store"]
    written = set()
    for s in stores:
        space, base = s.args[0], s.args[1]
        if space == "shared":
            root = ("shared", base.args[0]) if base.op == "var" else None
        else:
            root = memory.store_excludes(base) if space == "global" else None
        if root is None:
            return None
        written.add(root)
    for s in flat:
        for x in s.args:
            for load in loads_in(x):
                space, base = load.args[0], load.args[1]
                if space == "global" and memory.root(base) in written | {None}:
                    return None
                if space == "shared" and (base.op != "var" or ("shared", base.args[0]) in written):
                    return None
    definitions = set_once(flat)
    changing = set(definitions) | {counter}
    guards = {}
    for s in stores:
        found = _linear(s.args[2], counter, definitions, changing)
        if found is None or found[0] == 0:
            return None
        guards[id(s)] = found[1]
    return guards


def _linear(x, counter: str, definitions: dict[str, V | None], changing: set[str],
            depth: int = 0) -> tuple[int, tuple[V, ...]] | None:
    """The coefficient of ``counter`` in the integer value ``x`` as ``(constant, factors)``: the
    constant times the product of the uniform loop-invariant ``factors`` (no factor: a constant;
    constant 0: ``x`` does not depend on the counter), or None when ``x`` is not affine in it."""
    zero = (0, ())
    if not isinstance(x, V) or depth > 32:
        return None if isinstance(x, V) else zero
    a = x.args
    match x.op:
        case "const" | "param" | "tid" | "bid" | "bdim" | "gdim" | "ltid":
            return zero
        case "var":
            if a[0] == counter:
                return (1, ())
            if a[0] in definitions:  # set in the body: seen through when set once, unmasked
                value = definitions[a[0]]
                return None if value is None else _linear(value, counter, definitions, changing, depth + 1)
            return zero
        case "cast":
            inner = _linear(a[0], counter, definitions, changing, depth + 1)
            if inner == zero:
                return zero
            if inner is None or x.dtype[0] not in "iu" or a[0].dtype[0] not in "iu":
                return None
            if int(x.dtype[1:]) >= int(a[0].dtype[1:]):
                return inner  # no narrower than the operand: the element index stays affine
            # narrower (a 64-bit counter as a 32-bit index): still distinct elements for the
            # copies (a few times the coefficient apart) where that cannot wrap around to zero
            small = not inner[1] and abs(inner[0]) < 2 ** (int(x.dtype[1:]) - 8)
            return inner if small else None
        case "bin" if a[0] in ("+", "-"):
            left = _linear(a[1], counter, definitions, changing, depth + 1)
            right = _linear(a[2], counter, definitions, changing, depth + 1)
            if left is None or right is None:
                return None
            if right == zero or left == zero:
                found = left if right == zero else right
                return (-found[0], found[1]) if left == zero and a[0] == "-" else found
            if left[1] or right[1]:
                return None  # two coefficients with factors: their sum may be zero
            return (left[0] + right[0] if a[0] == "+" else left[0] - right[0], ())
        case "bin" if a[0] == "*":
            left = _linear(a[1], counter, definitions, changing, depth + 1)
            right = _linear(a[2], counter, definitions, changing, depth + 1)
            if left is None or right is None:
                return None
            if left == zero and right == zero:
                return zero
            if left != zero and right != zero:
                return None
            moving, other = (left, a[2]) if right == zero else (right, a[1])
            if other.op == "const":
                return (moving[0] * other.args[0], moving[1])
            if other.vec or reads(other) & changing:
                return None
            return (moving[0], (*moving[1], other))
    inner = [_linear(v, counter, definitions, changing, depth + 1) for v in a if isinstance(v, V)]
    return zero if all(c == zero for c in inner) else None


#: math ops whose result is never negative (or NaN)
_NONNEGATIVE_MATH = frozenset({"exp", "exp2", "exp10", "sqrt", "abs"})


def nonnegative(v: V) -> bool:
    """Whether value ``v`` is never negative (NaN aside): exp, sqrt, abs and squares of anything,
    sums, products, quotients, maxima and selections of such values, non-negative constants.
    Adding such terms has no cancellation, so every order of the additions is within the same
    relative error bound of the exact sum (a fused loop may reassociate them)."""
    a = v.args
    match v.op:
        case "const":
            return isinstance(a[0], (int, float)) and not isinstance(a[0], bool) and a[0] >= 0
        case "math" if a[0] in _NONNEGATIVE_MATH:
            return True
        case "math" if a[0] == "max":
            return any(nonnegative(x) for x in a[1:])
        case "bin" if a[0] == "*" and fmt(a[1]) == fmt(a[2]):
            return True  # a square
        case "bin" if a[0] in ("+", "*", "/"):
            return nonnegative(a[1]) and nonnegative(a[2])
        case "select":
            return nonnegative(a[1]) and nonnegative(a[2])
        case "cast" if v.dtype[0] == "f":
            return nonnegative(a[0])
    return False
