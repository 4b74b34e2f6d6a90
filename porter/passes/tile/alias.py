"""Which kernel parameter each pointer of a block program is based on, and what that allows.

CUDA kernels mark pointer parameters ``__restrict__`` to promise that memory written through one
is read through no other pointer (C's rule: every access to an object modified through a
restrict pointer goes through a pointer based on it). A pointer value is *based on* a parameter
when it is the parameter, or a pointer variable, cast or pointer +/- integer of a value based
on it; a variable assigned values based on two parameters (or on something else) is based on
none. :class:`Aliasing` answers the question a scheduling pass asks: can a load read what a
store writes? Not when the store's pointer is based on a restrict parameter and the load's on a
different parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

from porter.passes.tile.program import BlockProgram, V, walk_statements

#: a variable assigned values based on different parameters (or on none)
UNKNOWN = ""


@dataclass(frozen=True)
class Aliasing:
    roots: dict[str, str]  # pointer variable -> the parameter it is based on (UNKNOWN: none)
    restrict: frozenset[str]  # restrict pointer parameters

    def root(self, pointer) -> str | None:
        """The parameter ``pointer`` (a value) is based on, or None."""
        if not isinstance(pointer, V) or not pointer.dtype.startswith("*"):
            return None
        match pointer.op:
            case "param" | "var":
                name = pointer.args[0]
                return self.roots.get(name, name if pointer.op == "param" else UNKNOWN) or None
            case "cast" | "bitcast":
                return self.root(pointer.args[0])
            case "bin" if pointer.args[0] in ("+", "-"):
                bases = [a for a in pointer.args[1:] if isinstance(a, V) and a.dtype.startswith("*")]
                return self.root(bases[0]) if len(bases) == 1 else None
        return None

    def store_excludes(self, store_base) -> str | None:
        """The parameter a store through ``store_base`` is known to write only through (a restrict
        one), or None when the store may write memory any load reads."""
        root = self.root(store_base)
        return root if root in self.restrict else None


def aliasing(program: BlockProgram) -> Aliasing:
    params = [p.name for p in program.params if p.kind == "ptr"]
    restrict = frozenset(p.name for p in program.params if p.kind == "ptr" and p.restrict)
    assignments = [s for s in walk_statements(program.body)
                   if s.kind in ("let", "set") and isinstance(s.args[1], V) and s.args[1].dtype.startswith("*")]
    found = Aliasing({p: p for p in params}, restrict)
    changed = True
    while changed:  # to a fixpoint: a loop may assign a variable after a use (roots only get lost)
        changed = False
        for s in assignments:
            name, root = s.args[0], found.root(s.args[1]) or UNKNOWN
            old = found.roots.get(name)
            new = root if old is None or old == root else UNKNOWN
            if new != old:
                found = Aliasing({**found.roots, name: new}, restrict)
                changed = True
    return found
