"""Which loads of a counted loop's body may be issued ahead, for every unrolled copy at once.

A target that unrolls a counted masked loop (``mloop`` with ``trips``) runs several copies of
the body per iteration. Written one after another, each copy's loads wait for the previous
copy's compute, which waits for its loads: one load in flight per lane at a time, and a
latency-bound loop. This analysis finds the loads a target may hoist to the top of the
unrolled iteration, so that every copy's loads are in flight together.

The body must write no memory at all: then no store can sit between a load and the place it is
hoisted to, and a masked load with the same address and mask reads the same value wherever it
runs, so a load is as pure as its address and mask. A load may be hoisted when its address and
mask are pure: computed only from values the body does not write (loop invariants), from
variables whose every assignment in the body is an unconditional ``let``/``set``/``where`` of
pure operations over such values (the induction variable, the loop mask, an index derived from
them, a bound re-read from memory), and from other hoistable loads (a gather ``x[col[j]]``). Loads under a uniform ``if`` stay where they are (the branch may be
what makes their address valid).

:func:`plan` answers for one body: the pure statements (which the target re-runs, renamed, to
compute each copy's addresses) and the hoistable loads, both in program order.
"""

from __future__ import annotations

from dataclasses import dataclass

from porter.passes.tile.program import S, V, walk_statements

#: operations whose value is not a pure function of their operands within one iteration (a load
#: is, when the body writes no memory)
IMPURE_OPS = frozenset({"atomic", "shfl", "reduce", "count", "any"})
#: statements after which no load may move up (memory written, control leaves the copy)
BLOCKING = frozenset({"store", "eval", "barrier", "return", "loop", "mloop"})


@dataclass
class Plan:
    """``steps``: the body's straight-line statements in order, each with the hoistable loads it
    contains (inner loads first) and whether the statement itself is pure."""

    steps: list[tuple[S, list[V], bool]]

    @property
    def loads(self) -> int:
        return sum(len(loads) for _, loads, _ in self.steps)


def plan(body: tuple[S, ...]) -> Plan | None:
    """The prefetch plan of a counted loop's ``body``, or None when no load can be hoisted."""
    if any(s.kind in BLOCKING for s in walk_statements(body)):
        return None
    flat = list(_straight_line(body))
    in_flat = {id(s) for s in flat}
    written = {_target(s) for s in walk_statements(body) if _target(s)}
    conditional = {_target(s) for s in walk_statements(body) if _target(s) and id(s) not in in_flat}
    pure = written - conditional
    changed = True
    while changed:  # drop names with an assignment that reads something impure, to a fixpoint
        changed = False
        for s in flat:
            name = _target(s)
            if name in pure and not _pure_assignment(s, pure, written):
                pure.discard(name)
                changed = True
    steps = []
    hoisted: set[int] = set()
    for s in flat:
        loads = []
        for value in _expressions(s):
            for load in _loads_post_order(value):
                if id(load) not in hoisted and _pure(load, pure, written):
                    hoisted.add(id(load))
                    loads.append(load)
        steps.append((s, loads, _target(s) in pure))
    if not hoisted:
        return None
    # of the pure statements, only those the hoisted addresses and masks need
    loads = [load for _, found, _ in steps for load in found]
    needed = set().union(*(_reads(load) for load in loads))
    grown = True
    while grown:
        grown = False
        for s, _, is_pure in steps:
            if is_pure and s.args[0] in needed:
                more = _reads(s.args[1]) | ({s.args[2]} if s.kind == "set" and s.args[2] else set())
                if s.kind == "set":
                    more.add(s.args[0])  # a masked update keeps the old value elsewhere
                grown |= not more <= needed
                needed |= more
    return Plan([(s, found, is_pure and s.args[0] in needed) for s, found, is_pure in steps])


# ------------------------------------------------------------------------------------- helpers
def _straight_line(body):
    """Statements that run unconditionally on every copy: ``where`` regions are masks, not
    branches, so their bodies are flattened; ``if`` bodies are not."""
    for s in body:
        yield s
        if s.kind == "where":
            yield from _straight_line(s.body)


def _target(s: S) -> str | None:
    return s.args[0] if s.kind in ("let", "set", "where") else None


def _expressions(s: S):
    """The values a statement evaluates itself (not those of its nested bodies)."""
    match s.kind:
        case "let" | "set" | "where":
            return [s.args[1]]
        case "if":
            return [s.args[0]]
    return []


def _reads(x) -> set[str]:
    if x is None:
        return set()
    if isinstance(x, str):
        return {x}
    if not isinstance(x, V):
        return set()
    names = {x.args[0]} if x.op == "var" else set()
    for a in x.args:
        names |= _reads(a) if isinstance(a, V) else set()
    if x.op == "load" and isinstance(x.args[3], str):
        names.add(x.args[3])
    return names


def _ops(x) -> set[str]:
    if not isinstance(x, V):
        return set()
    ops = {x.op}
    for a in x.args:
        ops |= _ops(a)
    return ops


def _pure(x, pure: set[str], written: set[str]) -> bool:
    """``x`` computes the same from the same pure names: no exchange, reduction or atomic; a load
    counts when its base, index and mask are pure (the body writes no memory)."""
    if x is None:
        return True
    if isinstance(x, str):
        return x in pure or x not in written
    if not isinstance(x, V):
        return True
    if x.op == "var":
        return x.args[0] in pure or x.args[0] not in written
    if x.op == "load":
        return all(_pure(part, pure, written) for part in x.args[1:])
    if x.op in IMPURE_OPS:
        return False
    return all(_pure(a, pure, written) for a in x.args)


def _pure_assignment(s: S, pure: set[str], written: set[str]) -> bool:
    mask = s.args[2] if s.kind == "set" else None
    return _pure(s.args[1], pure, written) and _pure(mask, pure, written)


def _loads_post_order(x):
    if not isinstance(x, V):
        return
    for a in x.args:
        yield from _loads_post_order(a)
    if x.op == "load":
        yield x
