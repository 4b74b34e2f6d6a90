"""Wide memory accesses: runs of loads or stores of consecutive elements become one access.

CUDA code moves vectors (``float4``, ``float2``) with one 16- or 8-byte instruction per thread;
the lowering splits such an access into one scalar load or store per component, and so do
hand-unrolled kernels that touch ``x[4*i]``, ``x[4*i+1]``, ... A target that issues those as
separate strided accesses reads every sector several times and keeps several instructions in
flight where one would do. This pass, a function from block program to block program, finds

* a run of ``let`` (or unmasked ``set``) statements, each a lane-vector load of the same base
  with the same mask, at indices ``E, E+1, ..., E+W-1`` (W 2 or 4, in that order), where ``E``
  reads none of the names the run defines, and makes it one ``vlet``:
  ``vlet (n0, ..., nW-1) = load.space(base[E], mask)``;
* a run of ``store`` statements to global memory at the same base with the same mask, at
  indices ``E, ..., E+W-1``, whose values read no memory, run no atomic and have one type
  (register exchanges such as shuffles are fine), and makes it one
  ``vstore``: ``(space, base, E, (v0, ..., vW-1), mask)``.

Both keep every lane's accesses and their order relative to the rest of the program; within a
run the accesses touch distinct addresses, and store values reading no memory cannot see a
store of the same run, so running them together computes what running them one by one does.
Accesses to block-local (shared) arrays are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from porter.passes.tile.program import BlockProgram, S, V, fmt, ops, reads

#: access widths a run may have (a target splits a wide value in halves)
WIDTHS = (4, 2)


@dataclass(frozen=True)
class WidenAccesses:
    name: str = "widen-memory-accesses"

    def apply(self, program: BlockProgram) -> BlockProgram:
        shared = {sh.name for sh in program.shared}
        return replace(program, body=_body(program.body, shared))


def widen(program: BlockProgram) -> BlockProgram:
    return WidenAccesses().apply(program)


def _body(body: tuple[S, ...], shared: set[str]) -> tuple[S, ...]:
    out: list[S] = []
    i = 0
    while i < len(body):
        grouped = _group(body, i, shared)
        if grouped is not None:
            stmt, used = grouped
            out.append(stmt)
            i += used
            continue
        s = body[i]
        if s.body or s.orelse:
            s = replace(s, body=_body(s.body, shared), orelse=_body(s.orelse, shared))
        out.append(s)
        i += 1
    return tuple(out)


def _group(body, start: int, shared: set[str]) -> tuple[S, int] | None:
    for width in WIDTHS:
        run = body[start:start + width]
        if len(run) < width:
            continue
        if all(_load_part(s, shared) for s in run):
            loads = [s.args[1] for s in run]
            names = tuple(s.args[0] for s in run)
            if _consecutive(loads, lambda v: v.args[2], lambda v: (v.args[0], fmt(v.args[1]), _mask(v.args[3]), v.dtype)) \
                    and not ((reads(loads[0].args[1]) | reads(loads[0].args[2])) & set(names)) and len(set(names)) == width:
                return S("vlet", (names, loads[0]), run[0].line), width
        if all(_store_part(s, shared) for s in run):
            if _consecutive(run, lambda s: s.args[2], lambda s: (s.args[0], fmt(s.args[1]), _mask(s.args[4]), s.args[3].dtype)):
                first = run[0].args
                values = tuple(s.args[3] for s in run)
                return S("vstore", (first[0], first[1], first[2], values, first[4]), run[0].line), width
    return None


def _load_part(s: S, shared: set[str]) -> bool:
    """A statement that only names one lane-vector load of global memory."""
    if s.kind not in ("let", "set") or (s.kind == "set" and s.args[2] is not None):
        return False
    value = s.args[1]
    return isinstance(value, V) and value.op == "load" and value.vec and value.args[0] == "global" \
        and not _shared_base(value.args[1], shared)


def _store_part(s: S, shared: set[str]) -> bool:
    if s.kind != "store" or s.args[0] != "global" or _shared_base(s.args[1], shared):
        return False
    value = s.args[3]
    # a value read from memory could see a store of the run; an atomic writes memory itself
    return isinstance(value, V) and not (ops(value) & {"load", "atomic"})


def _consecutive(items, index_of, key_of) -> bool:
    """``items`` share ``key_of`` and their indices are E, E+1, ... in order."""
    if len({key_of(x) for x in items}) != 1:
        return False
    base = index_of(items[0])
    text = fmt(base)
    for k, item in enumerate(items[1:], start=1):
        index = index_of(item)
        if not (isinstance(index, V) and index.op == "bin" and index.args[0] == "+" and fmt(index.args[1]) == text
                and isinstance(index.args[2], V) and index.args[2].op == "const" and index.args[2].args[0] == k):
            return False
    return True


def _mask(m) -> str | None:
    return None if m is None else m if isinstance(m, str) else fmt(m)


def _shared_base(base, shared: set[str]) -> bool:
    return isinstance(base, V) and base.op == "var" and base.args[0] in shared
