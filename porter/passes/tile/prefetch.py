"""Which loads of a counted loop's body may be issued ahead, for every unrolled copy at once.

A target that unrolls a counted masked loop (``mloop`` with ``trips``) runs several copies of
the body per iteration. Written one after another, each copy's loads wait for the previous
copy's compute, which waits for its loads: one load in flight per lane at a time, and a
latency-bound loop. This analysis finds the loads a target may hoist to the top of the
unrolled iteration, so that every copy's loads are in flight together.

No store of the body may write what a hoisted load reads. Either the body writes no memory at
all, or its every store goes to global memory through a pointer based on a ``__restrict__``
parameter (:mod:`.alias`): C's rule then says no load through a pointer based on another
parameter reads what it writes, and those loads may move above it; loads based on a written
parameter, or on no known parameter, stay where they are. Then a masked load with the same
address and mask reads the same value wherever it runs, so a load is as pure as its address
and mask. A load may be hoisted when its address and
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

from porter.passes.tile.alias import Aliasing
from porter.passes.tile.program import EXCHANGE_OPS, S, V, assigned, loads_in, reads, straight_line, walk_statements
#: statements after which no load may move up (memory written, control leaves the copy)
BLOCKING = frozenset({"eval", "barrier", "return", "loop", "mloop"})
#: statements that write memory (allowed through restrict pointers)
STORES = frozenset({"store", "vstore"})


@dataclass
class Plan:
    """``steps``: the body's straight-line statements in order, each with the hoistable loads it
    contains (inner loads first) and whether the statement itself is pure."""

    steps: list[tuple[S, list[V], bool]]

    @property
    def loads(self) -> int:
        return sum(len(loads) for _, loads, _ in self.steps)


def plan(body: tuple[S, ...], memory: Aliasing | None = None) -> Plan | None:
    """The prefetch plan of a counted loop's ``body``, or None when no load can be hoisted.

    ``memory``: the program's pointer bases (:func:`.alias.aliasing`); without it a body that
    stores has no plan."""
    if any(s.kind in BLOCKING for s in walk_statements(body)):
        return None
    written_params = set()
    for s in walk_statements(body):
        if s.kind in STORES:
            param = memory.store_excludes(s.args[1]) if memory is not None and s.args[0] == "global" else None
            if param is None:
                return None
            written_params.add(param)

    def readable(load: V) -> bool:
        """No store of the body writes what ``load`` reads."""
        if not written_params:
            return True
        root = memory.root(load.args[1])
        return root is not None and root not in written_params
    flat = list(straight_line(body))
    in_flat = {id(s) for s in flat}
    written = {name for s in walk_statements(body) for name in assigned(s)}
    conditional = {name for s in walk_statements(body) if id(s) not in in_flat for name in assigned(s)}
    # a wide load's names are never pure (its load stays where it is)
    conditional |= {name for s in walk_statements(body) if s.kind == "vlet" for name in s.args[0]}
    pure = written - conditional
    changed = True
    while changed:  # drop names with an assignment that reads something impure, to a fixpoint
        changed = False
        for s in flat:
            name = _target(s)
            if name in pure and not _pure_assignment(s, pure, written, readable):
                pure.discard(name)
                changed = True
    steps = []
    hoisted: set[int] = set()
    for s in flat:
        loads = []
        for value in _expressions(s):
            for load in loads_in(value):
                if id(load) not in hoisted and _pure(load, pure, written, readable):
                    hoisted.add(id(load))
                    loads.append(load)
        steps.append((s, loads, _target(s) in pure))
    if not hoisted:
        return None
    # of the pure statements, only those the hoisted addresses and masks need
    loads = [load for _, found, _ in steps for load in found]
    needed = set().union(*(reads(load) for load in loads))
    grown = True
    while grown:
        grown = False
        for s, _, is_pure in steps:
            if is_pure and s.args[0] in needed:
                more = reads(s.args[1]) | ({s.args[2]} if s.kind == "set" and s.args[2] else set())
                if s.kind == "set":
                    more.add(s.args[0])  # a masked update keeps the old value elsewhere
                grown |= not more <= needed
                needed |= more
    return Plan([(s, found, is_pure and s.args[0] in needed) for s, found, is_pure in steps])


# ------------------------------------------------------------------------------------- helpers
def _target(s: S) -> str | None:
    return s.args[0] if s.kind in ("let", "set", "where") else None


def _expressions(s: S):
    """The values a statement evaluates itself (not those of its nested bodies)."""
    match s.kind:
        case "let" | "set" | "where":
            return [s.args[1]]
        case "if":
            return [s.args[0]]
        case "store":
            return [s.args[2], s.args[3]]
        case "vstore":
            return [s.args[2], *s.args[3]]
    return []


def _pure(x, pure: set[str], written: set[str], readable) -> bool:
    """``x`` computes the same from the same pure names: no exchange, reduction or atomic; a load
    counts when no store of the body writes what it reads (``readable``) and its base, index and
    mask are pure."""
    if x is None:
        return True
    if isinstance(x, str):
        return x in pure or x not in written
    if not isinstance(x, V):
        return True
    if x.op == "var":
        return x.args[0] in pure or x.args[0] not in written
    if x.op == "load":
        return readable(x) and all(_pure(part, pure, written, readable) for part in x.args[1:])
    if x.op in EXCHANGE_OPS:
        return False
    return all(_pure(a, pure, written, readable) for a in x.args)


def _pure_assignment(s: S, pure: set[str], written: set[str], readable) -> bool:
    mask = s.args[2] if s.kind == "set" else None
    return _pure(s.args[1], pure, written, readable) and _pure(mask, pure, written, readable)
