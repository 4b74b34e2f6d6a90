"""The block program: one CUDA block as array operations over its lanes.

Target-neutral. A value (:class:`V`) is either *uniform* (one scalar for the block) or a *lane
vector* (one element per lane, ``vec``); lanes are the block's threads, laid out x fastest and
padded to powers of two per dimension (``lanes = BX*BY*BZ``). Statements (:class:`S`) are:

``let``/``set``   a variable, set under a mask (``None``: no mask needed)
``store``         a write to global or block-local (shared) memory, masked
``vlet``          names bound to the consecutive elements ``index, index+1, ...`` of one load
                  (a wide access, :mod:`.widen`)
``vstore``        values written to consecutive elements ``index, index+1, ...`` (:mod:`.widen`)
``eval``          an expression run for its effect (atomics)
``if``            a branch on a uniform condition
``where``         a region of lanes: ``mask = cond`` (the parent's mask and'ed in)
``loop``          a loop on a uniform condition; ``trips`` (or None): its trip count, known on
                  entry (counted loops), so a target may emit a counted loop; ``spare`` (0 when
                  absent): how many iterations past ``trips`` a target may run (they do nothing:
                  :mod:`.strided`), so that it may unroll
``mloop``         a masked loop: runs while any lane of ``mask`` is active; ``trips`` (or None):
                  each lane's trip count known on entry (counted loops, :mod:`.trips`), so
                  a target may run max(trips over mask) iterations instead of asking each time
``barrier``       the end of a phase (``__syncthreads``)
``return``        a uniform early exit; lanes leaving alone are masked off (``set act``)

Shared arrays are block-local arrays (``shared NAME: T[SIZE]``). Every node keeps the CUDA line
it came from, for the emitters' comments. :func:`render` gives the stable text form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: operations whose value depends on other lanes or on the order of memory effects (exchanges,
#: reductions, atomics): not a pure function of the lane's own operands
EXCHANGE_OPS = frozenset({"atomic", "shfl", "reduce", "count", "any"})

#: binary operators of the block program (C spelling).
BINARY = ("+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^", "<", "<=", ">", ">=", "==", "!=", "&&", "||")


@dataclass(frozen=True, eq=False)
class V:
    """A value: ``op`` with ``args`` (values, names, numbers), a scalar ``dtype`` and ``vec``.

    ops: const var param tid bid bdim gdim ltid bin un cast bitcast select math load atomic
    shfl count any reduce

    ``reduce``: ``(op, value, mask, group)``, op ``add``/``max``/``min`` of the lane vector
    ``value`` over the lanes of ``mask`` (the others count as the identity); ``group`` None: over
    the block, a uniform result; ``group`` k: over each run of k lanes (a warp), every lane
    getting its run's result (a lane vector).
    """

    op: str
    dtype: str
    vec: bool
    args: tuple = ()


@dataclass(frozen=True, eq=False)
class S:
    kind: str
    args: tuple = ()
    line: int = 0
    body: tuple[S, ...] = ()
    orelse: tuple[S, ...] = ()


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "ptr" or "scalar"
    dtype: str  # scalar type, or the pointee's scalar type
    lanes: int = 1  # vector pointee (float4: 4)
    restrict: bool = False  # a __restrict__ pointer: what is written through it is read through no other


@dataclass(frozen=True)
class Shared:
    name: str
    dtype: str
    size: int | None  # elements; None: dynamic (the launch's shared bytes / element size)
    dims: tuple[int, ...] = ()


@dataclass
class BlockProgram:
    kernel: str  # as launches name it: "reduce_sum<256>"
    symbol: str  # a Python identifier
    line: int
    params: list[Param]
    shared: list[Shared]
    body: tuple[S, ...]
    dims: tuple[str, ...]  # thread dimensions the kernel uses
    shuffles: tuple[str, ...] = ()  # dtypes exchanged between lanes (shuffles)
    idioms: list[str] = field(default_factory=list)  # reductions raised to ``reduce``
    strided: int = 0  # lane loops (each lane from its own start) made uniform counted loops (:mod:`.strided`)


def walk_statements(body):
    """Every statement of ``body``, nested ones included, in program order."""
    for s in body:
        yield s
        yield from walk_statements(s.body)
        yield from walk_statements(s.orelse)


def straight_line(body):
    """The statements of ``body`` that run on every pass through it: ``where`` regions are masks,
    not branches, so their bodies are flattened; ``if`` and loop bodies are not."""
    for s in body:
        yield s
        if s.kind == "where":
            yield from straight_line(s.body)


def lane_vectors(program: BlockProgram) -> set[str]:
    """The names of ``program`` that hold lane vectors (``act``, every ``where`` mask and the
    names of wide loads included)."""
    names = {"act"}
    for s in walk_statements(program.body):
        if s.kind == "where" or s.kind == "let" and s.args[1].vec:
            names.add(s.args[0])
        elif s.kind == "vlet" and s.args[1].vec:
            names.update(s.args[0])
    return names


def assigned(s: S) -> tuple[str, ...]:
    """The variable names statement ``s`` itself sets (``let``, ``set``, a ``where`` mask, a
    ``vlet``'s names), not those of its nested bodies."""
    if s.kind in ("let", "set", "where"):
        return (s.args[0],)
    return tuple(s.args[0]) if s.kind == "vlet" else ()


def statement_reads(s: S) -> set[str]:
    """The variable names statement ``s`` itself reads (its values, masks and conditions; a masked
    ``set`` reads the variable it keeps on other lanes), not those of its nested bodies."""
    a = s.args
    match s.kind:
        case "let":
            return reads(a[1])
        case "set":
            return reads(a[1]) | (reads(a[2]) | {a[0]} if a[2] else set())
        case "where" | "vlet":
            return reads(a[1])
        case "store" | "vstore":
            values = a[3] if s.kind == "vstore" else (a[3],)
            return reads(a[1]) | reads(a[2]) | reads(a[4]) | set().union(*(reads(v) for v in values))
        case "mloop":
            return {a[0]} | (reads(a[1]) if len(a) > 1 else set())
    return set().union(set(), *(reads(x) for x in a if isinstance(x, V)))


def reads(x) -> set[str]:
    """The variable names value ``x`` reads (a mask given by name included); a bare string is a
    mask's name."""
    if x is None:
        return set()
    if isinstance(x, str):
        return {x}
    if not isinstance(x, V):
        return set()
    names = {x.args[0]} if x.op == "var" else set()
    for a in x.args:
        names |= reads(a) if isinstance(a, V) else set()
    if x.op == "load" and isinstance(x.args[3], str):
        names.add(x.args[3])
    return names


def set_once(statements) -> dict[str, V | None]:
    """Every name ``statements`` set -> its value when set exactly once, unmasked (to see through
    ``c = start + k * step``), else None."""
    statements = list(statements)
    counts: dict[str, int] = {}
    for s in statements:
        for name in assigned(s):
            counts[name] = counts.get(name, 0) + 1
    found: dict[str, V | None] = dict.fromkeys(counts)
    for s in statements:
        unmasked = s.kind == "let" or s.kind == "set" and s.args[2] is None
        if unmasked and counts[s.args[0]] == 1:
            found[s.args[0]] = s.args[1]
    return found


def masked_only(body) -> bool:
    """Whether every effect of loop ``body`` is masked by the loop's lanes: no nested loop, barrier,
    exit, block-wide exchange or atomic, unmasked load or store. An iteration (or an unrolled copy)
    past every active lane's trip count then does nothing and touches no memory the CUDA threads
    would not (:mod:`.strided`'s trip count from thread 0, a target's unrolled copies)."""
    for s in walk_statements(body):
        if s.kind in ("loop", "mloop", "barrier", "return") or s.kind in ("store", "vstore") and s.args[4] is None:
            return False
        for v in (v for a in s.args for v in values_in(a)):
            if v.op in EXCHANGE_OPS or v.op == "load" and v.args[3] is None:
                return False
    return True


def values_in(x):
    """Every value ``x`` is made of, ``x`` first."""
    if isinstance(x, V):
        yield x
        for a in x.args:
            yield from values_in(a)


def loads_in(x):
    """The loads value ``x`` is made of, inner ones first."""
    if not isinstance(x, V):
        return
    for a in x.args:
        yield from loads_in(a)
    if x.op == "load":
        yield x


def ops(x) -> set[str]:
    """The operations value ``x`` is made of."""
    if not isinstance(x, V):
        return set()
    found = {x.op}
    for a in x.args:
        found |= ops(a)
    return found


# ------------------------------------------------------------------------------------- text form
def fmt(v) -> str:
    if not isinstance(v, V):
        return str(v)
    a = v.args
    match v.op:
        case "const":
            return repr(a[0])
        case "var" | "param":
            return a[0]
        case "tid" | "bid" | "bdim" | "gdim":
            return f"{v.op}.{a[0]}"
        case "ltid":
            return "ltid"
        case "bin":
            return f"({fmt(a[1])} {a[0]} {fmt(a[2])})"
        case "un":
            return f"{a[0]}{fmt(a[1])}"
        case "cast" | "bitcast":
            return f"{v.op}<{v.dtype}>({fmt(a[0])})"
        case "select":
            return f"select({fmt(a[0])}, {fmt(a[1])}, {fmt(a[2])})"
        case "load":
            space, base, index, mask = a
            return f"load.{space}({fmt(base)}[{fmt(index)}]{', ' + fmt(mask) if mask is not None else ''})"
        case "splat":
            return f"splat({fmt(a[0])})"
        case "count":
            return f"count({fmt(a[0])}, {fmt(a[1])})"
        case "reduce":
            per = f", per {a[3]} lanes" if a[3] else ""
            return f"reduce.{a[0]}({fmt(a[1])} over {fmt(a[2])}{per})"
        case _:
            return f"{v.op}.{a[0]}(" + ", ".join(fmt(x) for x in a[1:] if x is not None) + ")"


def _kind(v: V) -> str:
    return f"{v.dtype} {'vec' if v.vec else 'uni'}"


def render_stmts(body, indent: str = "  ") -> list[str]:
    lines: list[str] = []
    for s in body:
        a = s.args
        at = f"  @{s.line}" if s.line else ""
        match s.kind:
            case "let":
                lines.append(f"{indent}let {a[0]}: {_kind(a[1])} = {fmt(a[1])}{at}")
            case "set":
                mask = f" where {a[2]}" if a[2] else ""
                lines.append(f"{indent}{a[0]} = {fmt(a[1])}{mask}{at}")
            case "store":
                space, base, index, value, mask = a
                lines.append(f"{indent}store.{space} {fmt(base)}[{fmt(index)}] = {fmt(value)}"
                             f"{' where ' + mask if mask else ''}{at}")
            case "vlet":
                names, load = a
                lines.append(f"{indent}let ({', '.join(names)}): {_kind(load)} = {fmt(load)[:-1]}, x{len(names)}){at}")
            case "vstore":
                space, base, index, values, mask = a
                lines.append(f"{indent}store.{space} {fmt(base)}[{fmt(index)}, x{len(values)}] = "
                             f"({', '.join(fmt(v) for v in values)}){' where ' + mask if mask else ''}{at}")
            case "eval":
                lines.append(f"{indent}{fmt(a[0])}{at}")
            case "if":
                lines.append(f"{indent}if {fmt(a[0])}:{at}")
                lines += render_stmts(s.body, indent + "  ")
                if s.orelse:
                    lines.append(f"{indent}else:")
                    lines += render_stmts(s.orelse, indent + "  ")
            case "where":
                lines.append(f"{indent}where {a[0]} = {fmt(a[1])}:{at}")
                lines += render_stmts(s.body, indent + "  ")
            case "loop":
                trips = f"  [trips {fmt(a[1])}{f', spare {a[2]}' if len(a) > 2 and a[2] else ''}]" \
                    if len(a) > 1 and a[1] is not None else ""
                lines.append(f"{indent}loop while {fmt(a[0])}:{trips}{at}")
                lines += render_stmts(s.body, indent + "  ")
            case "mloop":
                trips = f"  [trips {fmt(a[1])}]" if len(a) > 1 and a[1] is not None else ""
                lines.append(f"{indent}masked loop while any({a[0]}):{trips}{at}")
                lines += render_stmts(s.body, indent + "  ")
            case "barrier":
                lines.append(f"{indent}barrier  # end of phase{at}")
            case "return":
                lines.append(f"{indent}return{at}")
            case _:
                lines.append(f"{indent}{s.kind} {a}{at}")
    return lines


def render(program: BlockProgram) -> str:
    head = [f"block program {program.kernel}  (line {program.line})",
            "  lanes: " + (" x ".join(program.dims) or "x") + " (powers of two, masked)"]
    for p in program.params:
        kind = f"ptr<{p.dtype}{'x' + str(p.lanes) if p.lanes > 1 else ''}>" if p.kind == "ptr" else p.dtype
        kind += " restrict" if p.restrict else ""
        head.append(f"  param {p.name}: {kind}")
    for sh in program.shared:
        size = "dynamic" if sh.size is None else str(sh.size)
        head.append(f"  shared {sh.name}: {sh.dtype}[{size}]")
    if program.shuffles:
        head.append(f"  lane exchange: {', '.join(program.shuffles)}")
    return "\n".join(head + render_stmts(program.body)) + "\n"
