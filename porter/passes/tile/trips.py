"""counted-loops: masked ``for`` loops whose per-lane trip count is known on entry.

A masked loop runs while any lane of its mask is active; a target checks that with a block-wide
reduction on every iteration, which costs a barrier each time. Most masked loops in CUDA kernels
are the strided lane loops ``for (c = threadIdx.x; c < n; c += 32)``: an integer induction
variable, a bound the body never changes, a positive step the body never changes, and no
``break`` or ``return`` (a ``continue`` still runs the step). For those the trip count of each lane is
``ceil((bound - start) / step)`` (``+ 1`` for ``<=``), computed once on entry, and the largest over
the active lanes bounds the loop: a target may run that many iterations instead of asking every
time. The mask stays exactly what it was (``lanes & (v < bound)`` per iteration), so the bound
only has to be at least the true maximum, which it is: it *is* the maximum.

Assumed, as C compilers assume for signed induction variables: the variable does not wrap around
past the bound (``c += step`` never overflows); a loop that relies on wrapping is UB in CUDA C++
for ``int`` and would run forever or read out of bounds for the others.

:func:`counted` recognises the shape on the IR; the lowering turns it into a lane vector of trip
counts attached to the ``mloop`` statement (``trips``). Targets that ignore it stay correct.
"""

from __future__ import annotations

from dataclasses import dataclass

from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.walk import walk

#: comparison -> (induction variable on the left?, inclusive bound?)
_COMPARISONS = {"<": (True, False), "<=": (True, True), ">": (False, False), ">=": (False, True)}


@dataclass(frozen=True)
class CountedLoop:
    var: N.Var  # the induction variable, as the condition names it
    start: N.Const | None  # its value on entry when the loop's init sets it to a literal
    bound: N.Expr
    inclusive: bool  # ``<=``: the bound itself is one more iteration
    step: N.Expr  # positive, never changed by the body


def counted(loop: N.Stmt) -> CountedLoop | None:
    """The counted form of ``loop``, or None when its trip count is not known on entry."""
    if not isinstance(loop, N.For) or not isinstance(loop.cond, N.Binary) or len(loop.step) != 1:
        return None
    shape = _COMPARISONS.get(loop.cond.op)
    if shape is None:
        return None
    var, bound = (loop.cond.lhs, loop.cond.rhs) if shape[0] else (loop.cond.rhs, loop.cond.lhs)
    var = _strip_casts(var)
    if not isinstance(var, N.Var) or not _integer(var) or not _integer(bound):
        return None
    step = _increment(loop.step[0], var.name)
    if step is None or not _positive(step):
        return None
    written = _written(loop.body) | {var.name}
    if _leaves_early(loop.body):
        return None
    reads = not _writes_memory(loop.body)
    if var.name in _written(loop.body) or not _invariant(bound, written, reads) or \
            not _invariant(step, written, reads):
        return None
    start = _literal_start(loop, var.name)
    if start is not None and start.value < 0 and T.is_unsigned(var.type):
        start = None  # `unsigned k = -1` is not -1
    return CountedLoop(var, start, bound, shape[1], step)


def _literal_start(loop: N.For, name: str) -> N.Const | None:
    """``for (int k = -1; ...)``: the literal the init gives the variable (the trip count folds)."""
    if len(loop.init) != 1:
        return None
    init = loop.init[0]
    value = init.init if isinstance(init, N.Decl) and init.name == name else \
        init.value if isinstance(init, N.Assign) and init.op is None and isinstance(init.target, N.Var) \
        and init.target.name == name else None
    value = _strip_casts(value) if value is not None else None
    if isinstance(value, N.Unary) and value.op == "-" and isinstance(value.operand, N.Const):
        value = N.Const(-value.operand.value, type=value.type, span=value.span) \
            if isinstance(value.operand.value, int) and not isinstance(value.operand.value, bool) else None
    return value if isinstance(value, N.Const) and isinstance(value.value, int) \
        and not isinstance(value.value, bool) else None


def _leaves_early(body: N.Node) -> bool:
    """A ``return`` anywhere, or a ``break`` of this loop (not of a loop inside it; the IR has no ``switch``).
    ``continue`` does not change the trip count: the step still runs."""
    if any(isinstance(n, N.Return) for n in walk(body)):
        return True
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, N.Break):
            return True
        if isinstance(node, (N.For, N.While, N.DoWhile)) and node is not body:
            continue
        stack.extend(node.children())
    return False


def _strip_casts(e: N.Expr) -> N.Expr:
    while isinstance(e, N.Cast) and _integer(e):
        e = e.operand
    return e


def _integer(e: N.Expr) -> bool:
    return T.is_int(e.type) and e.type != T.BOOL


def _increment(s: N.Stmt, name: str) -> N.Expr | None:
    """``v += e`` / ``v++`` / ``++v`` / ``v = v + e`` -> e."""
    if not isinstance(s, N.Assign) or not isinstance(s.target, N.Var) or s.target.name != name:
        return None
    if s.op == "+":
        return s.value
    if s.op is None and isinstance(s.value, N.Binary) and s.value.op == "+":
        lhs, rhs = s.value.lhs, s.value.rhs
        if isinstance(_strip_casts(lhs), N.Var) and _strip_casts(lhs).name == name:
            return rhs
        if isinstance(_strip_casts(rhs), N.Var) and _strip_casts(rhs).name == name:
            return lhs
    return None


def _positive(e: N.Expr) -> bool:
    """Provably > 0: positive literals, block and grid sizes, and sums and products of them."""
    e = _strip_casts(e)
    if isinstance(e, N.Const):
        return isinstance(e.value, int) and not isinstance(e.value, bool) and e.value > 0
    if isinstance(e, N.Builtin):
        return e.name in ("blockDim", "gridDim", "warpSize")
    if isinstance(e, N.Binary) and e.op in ("+", "*"):
        return _positive(e.lhs) and _positive(e.rhs)
    return False


def _written(body: N.Node) -> set[str]:
    """Names a statement list may change: assigned, declared, or whose address is taken."""
    names: set[str] = set()
    for n in walk(body):
        if isinstance(n, N.Assign):
            root = n.target
            while not isinstance(root, N.Var) and root.children():
                root = root.children()[0]
            if isinstance(root, N.Var):
                names.add(root.name)
        elif isinstance(n, N.Decl):
            names.add(n.name)
        elif isinstance(n, N.Unary) and n.op == "&":
            names |= {v.name for v in walk(n.operand) if isinstance(v, N.Var)}
    return names


def _writes_memory(body: N.Node) -> bool:
    """Whether a loop body may write memory: a store, an atomic or memory intrinsic, or a call
    (a device function may store)."""
    for n in walk(body):
        if isinstance(n, (N.Store, N.Call)):
            return True
        if isinstance(n, N.Intrinsic) and n.group in ("atomic", "memory"):
            return True
    return False


def _invariant(e: N.Expr, written: set[str], reads: bool = False) -> bool:
    """No calls or side effects and no variable the loop changes; memory reads only with ``reads``
    (the body writes no memory, so a bound such as ``row_ptr[row + 1]`` reads the same each time,
    as a C compiler assumes when it hoists it)."""
    allowed = (N.Var, N.Const, N.Builtin, N.Binary, N.Unary, N.Cast) + ((N.Load,) if reads else ())
    for n in walk(e):
        if isinstance(n, N.Var) and n.name in written:
            return False
        if not isinstance(n, allowed):
            return False
    return True
