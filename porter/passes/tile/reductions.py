"""raise-reductions: block-level reduction idioms recognised on the flat IR (strictly).

Two CUDA idioms become one ``reduce`` value of the block program instead of the lane-by-lane
emulation of shared memory and shuffles:

* the shared-memory tree: ``a[tid] = v; __syncthreads(); for (s = S0; s > 0; s >>= 1)
  { if (tid < s) a[tid] += a[tid + s]; __syncthreads(); }`` (``+``, ``max``/``fmaxf``,
  ``min``/``fminf``, as ``op=`` or ``a[tid] = f(a[tid], a[tid + s])``), where ``tid`` is
  ``threadIdx.x``, the kernel uses only ``threadIdx.x``, and after the loop the array is read only
  at ``a[0]`` until every lane overwrites ``a[tid]``;
* the warp-shuffle loop: ``for (o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffff, v, o)``
  (or ``__shfl_xor_sync``, ``max``/``min``), full mask, width 32; for ``down`` the result may be
  used only in lane 0 (``if (lane == 0)`` with ``lane = threadIdx.x % 32``), checked by a taint
  walk over the rest of the kernel.

This module only matches; :mod:`.lower` builds the block program (with a run-time guard for the
tree: a power-of-two start and a one-dimensional block, the emulation otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.walk import walk

#: element types whose reduction is exact for max/min and reassociated (within tolerance) for +.
DTYPES = ("f32", "f64", "i32", "u32", "i64", "u64")
COMBINE = {"fmaxf": "max", "fmax": "max", "max": "max", "fminf": "min", "fmin": "min", "min": "min"}
FULL_MASKS = (0xFFFFFFFF, -1)


@dataclass(frozen=True)
class TreeMatch:
    array: str
    op: str  # add max min
    value: N.Expr  # the value stored by every lane
    start: N.Expr  # S0
    dtype: str
    store: N.Store  # the first store, ``a[tid] = v`` (``a`` the array or a pointer to it)
    stmts: int = 3


@dataclass(frozen=True)
class WarpMatch:
    var: str
    op: str
    kind: str  # "down" or "xor"
    dtype: str


def strip(e):
    while isinstance(e, N.Cast):
        e = e.operand
    return e


def const_int(e) -> int | None:
    e = strip(e)
    if isinstance(e, N.Const) and isinstance(e.value, (int, bool)) and not isinstance(e.value, bool):
        return int(e.value)
    if isinstance(e, N.Builtin) and e.name == "warpSize":
        return 32
    if isinstance(e, N.Binary):
        a, b = const_int(e.lhs), const_int(e.rhs)
        if a is None or b is None:
            return None
        ops = {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a // b if b else None,
               ">>": lambda: a >> b, "<<": lambda: a << b}
        return ops[e.op]() if e.op in ops else None
    return None


def _scalar(t) -> str | None:
    return t.name if isinstance(t, T.Scalar) else None


class Matcher:
    """Facts about one flat kernel body, and the two matchers."""

    def __init__(self, body: N.Block, shared: dict[str, T.Type]):
        self.body = body
        self.shared = shared
        nodes = list(walk(body))
        self.assigned: dict[str, int] = {}
        self.inits: dict[str, N.Expr | None] = {}
        for n in nodes:
            if isinstance(n, N.Decl):
                self.assigned[n.name] = self.assigned.get(n.name, 0) + 1
                self.inits[n.name] = n.init
            elif isinstance(n, N.Assign) and isinstance(n.target, N.Var):
                self.assigned[n.target.name] = self.assigned.get(n.target.name, 0) + 2
        # pointers set once to a shared array (``float* p = sdata``, inlined array parameters)
        types = {n.name: n.var_type for n in nodes if isinstance(n, N.Decl)}

        def same_elem(name: str, array: str) -> bool:
            t = types.get(name)
            return isinstance(t, T.Pointer) and _scalar(t.pointee) == _scalar(T.strip_array(shared[array])) \
                and _scalar(t.pointee) is not None
        self.alias = {name: strip(init).name for name, init in self.inits.items()
                      if self.assigned.get(name) == 1 and init is not None and isinstance(strip(init), N.Var)
                      and strip(init).name in shared and same_elem(name, strip(init).name)}
        self.only_x = not any(isinstance(n, N.Builtin) and n.name == "threadIdx" and n.dim != "x" for n in nodes)
        self.nodes = nodes

    # ------------------------------------------------------------------------------ helpers
    def is_tid(self, e) -> bool:
        e = strip(e)
        if isinstance(e, N.Builtin):
            return e.name == "threadIdx" and e.dim == "x"
        if isinstance(e, N.Var) and self.assigned.get(e.name) == 1 and self.inits.get(e.name) is not None:
            return self.is_tid(self.inits[e.name])
        return False

    def is_var(self, e, name: str) -> bool:
        e = strip(e)
        return isinstance(e, N.Var) and e.name == name

    def names(self, array: str) -> set[str]:
        return {array} | {a for a, t in self.alias.items() if t == array}

    def is_array(self, e, names: set[str]) -> bool:
        e = strip(e)
        return isinstance(e, N.Var) and e.name in names

    def const_bool(self, e) -> bool | None:
        e = strip(e)
        if isinstance(e, N.Const) and isinstance(e.value, (bool, int)):
            return bool(e.value)
        if isinstance(e, N.Var) and self.assigned.get(e.name) == 1 and self.inits.get(e.name) is not None:
            return self.const_bool(self.inits[e.name])
        return None

    def is_lane(self, e) -> bool:
        """``threadIdx.x % 32`` / ``& 31`` (through a variable set once)."""
        e = strip(e)
        if isinstance(e, N.Var) and self.assigned.get(e.name) == 1 and self.inits.get(e.name) is not None:
            return self.is_lane(self.inits[e.name])
        return isinstance(e, N.Binary) and self.is_tid(e.lhs) and \
            (e.op == "%" and const_int(e.rhs) == 32 or e.op == "&" and const_int(e.rhs) == 31)

    def is_lane0(self, cond) -> bool:
        c = strip(cond)
        if not (isinstance(c, N.Binary) and c.op == "=="):
            return False
        for x, y in ((c.lhs, c.rhs), (c.rhs, c.lhs)):
            if const_int(y) == 0 and (self.is_lane(x) or self.is_tid(x)):
                return True
        return False

    def combine(self, e, a, b) -> str | None:
        """The op of ``e`` as a combination of exactly ``a`` and ``b`` (predicates), else None."""
        e = strip(e)
        if isinstance(e, N.Select) and self.const_bool(e.cond) is not None:
            # ``take_max ? fmaxf(a, b) : a + b`` with take_max a constant (an inlined argument)
            return self.combine(e.then if self.const_bool(e.cond) else e.other, a, b)
        if isinstance(e, N.Binary) and e.op == "+":
            pair = (e.lhs, e.rhs)
            op = "add"
        elif isinstance(e, N.Intrinsic) and e.name in COMBINE and len(e.args) == 2:
            pair = e.args
            op = COMBINE[e.name]
        else:
            return None
        x, y = pair
        if (a(x) and b(y)) or (b(x) and a(y)):
            return op
        return None

    @staticmethod
    def halving(loop: N.For) -> str | None:
        """The loop variable of ``for (s = S0; s > 0; s >>= 1 | s /= 2)``."""
        if len(loop.init) != 1 or len(loop.step) != 1 or loop.cond is None:
            return None
        init = loop.init[0]
        if isinstance(init, N.Decl) and init.init is not None:
            name = init.name
        elif isinstance(init, N.Assign) and isinstance(init.target, N.Var) and init.op is None:
            name = init.target.name
        else:
            return None
        c = strip(loop.cond)
        if not (isinstance(c, N.Binary) and c.op == ">"
                and isinstance(strip(c.lhs), N.Var) and strip(c.lhs).name == name and const_int(c.rhs) == 0):
            return None
        st = loop.step[0]
        if not (isinstance(st, N.Assign) and isinstance(st.target, N.Var) and st.target.name == name):
            return None
        if st.op in (">>", "/"):
            ok = const_int(st.value) == (1 if st.op == ">>" else 2)
        elif st.op is None:
            v = strip(st.value)
            ok = isinstance(v, N.Binary) and v.op in (">>", "/") and isinstance(strip(v.lhs), N.Var) \
                and strip(v.lhs).name == name and const_int(v.rhs) == (1 if v.op == ">>" else 2)
        else:
            ok = False
        return name if ok else None

    @staticmethod
    def start(loop: N.For) -> N.Expr:
        init = loop.init[0]
        return init.init if isinstance(init, N.Decl) else init.value

    # --------------------------------------------------------------------------------- tree
    def tree(self, stmts, k: int) -> TreeMatch | None:
        if k + 2 >= len(stmts) or not self.only_x:
            return None
        store, bar, loop = stmts[k], stmts[k + 1], stmts[k + 2]
        if not (isinstance(store, N.Store) and store.op is None and store.field is None
                and isinstance(store.base, N.Var) and (store.base.name in self.shared or store.base.name in self.alias)
                and len(store.indices) == 1 and self.is_tid(store.indices[0])):
            return None
        array = self.alias.get(store.base.name, store.base.name)
        arr = self.names(array)
        if not (isinstance(bar, N.Barrier) and bar.scope == "block" and bar.name == "__syncthreads"):
            return None
        if not isinstance(loop, N.For):
            return None
        s = self.halving(loop)
        if s is None or self.assigned.get(s, 0) > 3:
            return None
        body = loop.body.body
        if len(body) != 2 or not isinstance(body[1], N.Barrier) or body[1].name != "__syncthreads":
            return None
        guard = body[0]
        if not (isinstance(guard, N.If) and guard.other is None and len(guard.then.body) in (1, 2)):
            return None
        c = strip(guard.cond)
        if not (isinstance(c, N.Binary) and c.op == "<" and self.is_tid(c.lhs) and self.is_var(c.rhs, s)):
            return None
        step = guard.then.body[-1]
        other = guard.then.body[0] if len(guard.then.body) == 2 else None  # ``float o = a[tid + s];``
        if other is not None and not (isinstance(other, N.Decl) and self.assigned.get(other.name) == 1):
            return None
        if not (isinstance(step, N.Store) and step.field is None and self.is_array(step.base, arr)
                and len(step.indices) == 1 and self.is_tid(step.indices[0])):
            return None

        def own(e) -> bool:
            e = strip(e)
            return isinstance(e, N.Load) and self.is_array(e.base, arr) and len(e.indices) == 1 and \
                self.is_tid(e.indices[0])

        def partner(e) -> bool:
            e = strip(e)
            if other is not None and isinstance(e, N.Var) and e.name == other.name:
                return partner(other.init) if other.init is not None else False
            if not (isinstance(e, N.Load) and self.is_array(e.base, arr) and len(e.indices) == 1):
                return False
            i = strip(e.indices[0])
            return isinstance(i, N.Binary) and i.op == "+" and (
                self.is_tid(i.lhs) and self.is_var(i.rhs, s) or self.is_var(i.lhs, s) and self.is_tid(i.rhs))

        if other is not None and not partner(other.init):
            return None
        if step.op == "+":
            op = "add" if partner(step.value) else None
        elif step.op is None:
            op = self.combine(step.value, own, partner)
        else:
            op = None
        dtype = _scalar(T.strip_array(self.shared[array]))
        if op is None or dtype not in DTYPES:
            return None
        if not self.only_root_read_after(loop, arr):
            return None
        return TreeMatch(array, op, store.value, self.start(loop), dtype, store)

    def only_root_read_after(self, loop: N.For, arr: set[str]) -> bool:
        """After ``loop``, ``arr`` (the array and its aliases) is read only at [0] until an
        unconditional ``arr[tid] = ...``."""
        bases = set()
        for n in self.nodes:
            if isinstance(n, (N.Load, N.Store)) and isinstance(n.base, N.Var):
                bases.add(id(n.base))
            if isinstance(n, N.Decl) and n.name in self.alias and n.init is not None:
                bases.add(id(strip(n.init)))
        if any(isinstance(n, N.Var) and n.name in arr and id(n) not in bases for n in self.nodes):
            return False  # the array escapes some other way (pointer arithmetic, a call...)
        # the IR shares unchanged subtrees (inlined copies), so positions, not identities
        plain, nested = set(), set()

        def top(block: N.Block) -> None:
            for st in block.body:
                plain.add(id(st))
                if isinstance(st, N.Block):
                    top(st)
                else:
                    nested.update(id(n) for n in walk(st) if n is not st)
        top(self.body)
        plain -= nested
        at = [i for i, n in enumerate(self.nodes) if n is loop]
        if len(at) != 1:
            return False
        for n in self.nodes[at[0] + len(list(walk(loop))):]:
            if isinstance(n, N.Store) and self.is_array(n.base, arr):
                # an unconditional a[tid] = ... by every lane ends the tree's partials
                return id(n) in plain and n.op is None and self.is_tid(n.indices[0]) and \
                    all(not (isinstance(m, N.Load) and self.is_array(m.base, arr)) for m in walk(n.value))
            if isinstance(n, N.Load) and self.is_array(n.base, arr) and const_int(n.indices[0]) != 0:
                return False
            if isinstance(n, (N.For, N.While, N.DoWhile)) and any(
                    isinstance(m, (N.Load, N.Store)) and self.is_array(m.base, arr) for m in walk(n)):
                return False  # a read in a loop could come round after a later overwrite
        return True

    # --------------------------------------------------------------------------------- warp
    def warp(self, loop) -> WarpMatch | None:
        if not isinstance(loop, N.For):
            return None
        o = self.halving(loop)
        if o is None or const_int(self.start(loop)) != 16 or len(loop.body.body) != 1:
            return None
        st = loop.body.body[0]
        if not (isinstance(st, N.Assign) and isinstance(st.target, N.Var)):
            return None
        v = st.target.name
        kinds = {"__shfl_down_sync": "down", "__shfl_xor_sync": "xor"}
        found: list[str] = []

        def shfl(e) -> bool:
            e = strip(e)
            if not (isinstance(e, N.Intrinsic) and e.name in kinds and len(e.args) in (3, 4)):
                return False
            if const_int(e.args[0]) not in FULL_MASKS or not self.is_var(e.args[1], v) or \
                    _scalar(strip(e.args[1]).type) != _scalar(e.args[1].type) or not self.is_var(e.args[2], o):
                return False
            if len(e.args) == 4 and const_int(e.args[3]) != 32:
                return False
            found.append(kinds[e.name])
            return True

        if st.op == "+":
            op = "add" if shfl(st.value) else None
        elif st.op is None:
            op = self.combine(st.value, lambda e: isinstance(strip(e), N.Var) and strip(e).name == v
                              and _scalar(strip(e).type) == _scalar(e.type), shfl)
        else:
            op = None
        dtype = _scalar(st.target.type)
        if op is None or dtype not in DTYPES or not found:
            return None
        if found[0] == "down" and not self.lane0_uses(loop, v):
            return None
        return WarpMatch(v, op, found[0], dtype)

    def lane0_uses(self, loop, var: str) -> bool:
        """After ``loop``, values derived from ``var`` are read only under ``if (lane == 0)``."""
        state = {"started": False, "ok": True}

        def reads(e, tainted) -> bool:
            return e is not None and any(isinstance(n, N.Var) and n.name in tainted for n in walk(e))

        def block(stmts, tainted: set[str]) -> set[str]:
            for st in stmts:
                tainted = stmt(st, tainted)
            return tainted

        def stmt(st, tainted: set[str]) -> set[str]:
            if st is loop:
                state["started"] = True
                return set(tainted) | {var}
            started = state["started"]
            match st:
                case N.Block():
                    return block(st.body, tainted)
                case N.Decl() | N.Assign():
                    name = st.name if isinstance(st, N.Decl) else getattr(st.target, "name", None)
                    value = st.init if isinstance(st, N.Decl) else st.value
                    if isinstance(st, N.Assign) and not isinstance(st.target, N.Var):
                        if started and reads(st.target, tainted) or reads(value, tainted):
                            state["ok"] = False
                        return tainted
                    hit = reads(value, tainted) or (isinstance(st, N.Assign) and st.op is not None and name in tainted)
                    out = set(tainted)
                    if hit:
                        out.add(name)
                    else:
                        out.discard(name)
                    return out
                case N.If():
                    if started and self.is_lane0(st.cond):
                        # lane 0 may read anything; what it assigns is valid in lane 0 only
                        assigned = {n.name for n in walk(st.then) if isinstance(n, N.Decl)} | \
                            {n.target.name for n in walk(st.then) if isinstance(n, N.Assign)
                             and isinstance(n.target, N.Var)}
                        b = stmt(st.other, set(tainted)) if st.other is not None else tainted
                        return set(tainted) | assigned | b
                    if reads(st.cond, tainted):
                        state["ok"] = False
                    a = stmt(st.then, set(tainted))
                    b = stmt(st.other, set(tainted)) if st.other is not None else tainted
                    return set(tainted) | a | b
                case N.For() | N.While() | N.DoWhile():
                    cur = set(tainted)
                    for part in getattr(st, "init", ()):
                        cur = stmt(part, cur)
                    for _ in range(3):
                        if reads(st.cond, cur):
                            state["ok"] = False
                        nxt = stmt(st.body, cur)
                        for part in getattr(st, "step", ()):
                            nxt = stmt(part, nxt)
                        cur = cur | nxt
                    return cur
                case _:
                    if any(reads(c, tainted) for c in walk(st) if isinstance(c, N.Expr)):
                        state["ok"] = False
                    return tainted

        block(self.body.body, set())
        return state["ok"] and state["started"]
