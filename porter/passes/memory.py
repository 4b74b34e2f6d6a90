"""Memory access: for each load, store and atomic, which array, which pattern, which guard.

Patterns, with respect to the thread index (``threadIdx.x``, the fastest-varying one):

* ``contiguous``: consecutive threads touch consecutive elements (stride 1);
* ``strided(s)``: stride ``s`` (a constant or a uniform symbol);
* ``uniform``: every thread of the block touches the same element (a broadcast);
* ``gather`` (loads) / ``scatter`` (stores, atomics): data-dependent or non-affine index.

Indices are read through :mod:`porter.passes.uniformity` (so ``in[i]`` with
``i = blockIdx.x*blockDim.x + threadIdx.x`` is contiguous), multi-dimensional arrays are
linearised with their extents, pointer locals that alias a parameter or a shared array
(``float* row = a + r*n``, ``T* s = (T*)smem``) are followed to it. The guard of an access is
the set of enclosing conditions (``if (i < n)``, loop conditions, ``if (i >= n) return;``
before it) that mention a variable of its index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from porter.ir import intrinsics
from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.module import Function, Module
from porter.ir.printer import print_expr
from porter.passes.poly import ONE, ZERO, Poly
from porter.passes.scopes import GLOBAL, LOCAL, PARAM, SHARED, VarKey
from porter.passes.uniformity import AFFINE, UNIFORM, UniformityInfo, Value, analyze

LOAD = "load"
STORE = "store"
ATOMIC = "atomic"
_NEGATE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


@dataclass(frozen=True)
class Access:
    node: N.Node  # the Load, Store or atomic Intrinsic
    array: str
    space: str  # global, shared, constant, local
    kind: str  # load, store, atomic
    pattern: str  # contiguous, strided(s), uniform, gather, scatter
    index: Poly | None
    strides: tuple[tuple[str, str], ...]  # (("x", "1"), ("y", "N"))
    guards: tuple[str, ...]
    vector: int = 1  # elements per access for float4-style reinterpreted pointers
    indirect: bool = False  # the index holds a value read from memory (a row picked by an id)
    guard_exprs: tuple[N.Expr, ...] = field(default=(), compare=False, repr=False)

    @property
    def span(self):
        return self.node.span

    def render(self) -> str:
        where = f"{self.span.line}:{self.span.col}"
        index = f" index={self.index}" if self.index is not None else ""
        strides = "".join(f" stride.{d}={s}" for d, s in self.strides)
        vector = f" vec{self.vector}" if self.vector > 1 else ""
        vector += " indirect" if self.indirect else ""
        guard = f" guard[{'; '.join(self.guards)}]" if self.guards else " unguarded"
        return f"{where} {self.kind} {self.array} ({self.space}) {self.pattern}{vector}{index}{strides}{guard}"


@dataclass
class ArrayInfo:
    name: str
    space: str
    elem: T.Type
    reads: int = 0
    writes: int = 0
    atomics: int = 0
    patterns: set[str] = field(default_factory=set)

    @property
    def mode(self) -> str:
        if self.atomics and not self.reads and not self.writes:
            return "atomic"
        if self.reads and not self.writes and not self.atomics:
            return "read-only"
        if not self.reads and (self.writes or self.atomics):
            return "write-only"
        return "read-write"


@dataclass
class MemoryInfo:
    function: Function
    uniformity: UniformityInfo
    accesses: list[Access] = field(default_factory=list)
    arrays: dict[str, ArrayInfo] = field(default_factory=dict)
    by_node: dict[N.Node, Access] = field(default_factory=dict)

    def render(self) -> str:
        lines = [f"memory {self.function.full_name}"]
        for name, info in self.arrays.items():
            lines.append(f"  array {name} ({info.space} {info.elem}): {info.mode}, "
                         f"{', '.join(sorted(info.patterns))}")
        for access in self.accesses:
            lines.append("  " + access.render())
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class MemoryAccess:
    name: ClassVar[str] = "memory-access"

    def apply(self, module: Module) -> dict[str, MemoryInfo]:
        return {fn.full_name: analyze_memory(fn, module) for fn in module.functions if fn.body is not None}


@dataclass(frozen=True)
class _Root:
    array: str
    space: str
    elem: T.Type
    offset: Poly | None  # elements added to the index (pointer arithmetic), None when unknown
    dims: tuple[int | str | None, ...] = ()
    vector: int = 1


def analyze_memory(fn: Function, module: Module | None = None,
                   uniformity: UniformityInfo | None = None) -> MemoryInfo:
    uni = uniformity or analyze(fn, module)
    info = MemoryInfo(fn, uni)
    _Collector(info).run()
    return info


class _Collector:
    def __init__(self, info: MemoryInfo):
        self.info = info
        self.uni = info.uniformity
        self.scopes = info.uniformity.scopes
        self.resolving: set[VarKey] = set()

    def run(self) -> None:
        self.stmts(self.info.function.body, ())

    # statements keep the guard context: enclosing conditions, and early returns seen so far
    def stmts(self, block: N.Block | None, guards: tuple[N.Expr, ...]) -> None:
        if block is None:
            return
        current = guards
        for stmt in block.body:
            self.stmt(stmt, current)
            early = _early_exit_condition(stmt)
            if early is not None:
                current = current + (_Negated(early),)

    def stmt(self, s: N.Stmt, guards: tuple) -> None:
        match s:
            case N.Block():
                self.stmts(s, guards)
            case N.If():
                self.exprs(s.cond, guards)
                self.stmts(s.then, guards + (s.cond,))
                if s.other is not None:
                    self.stmts(s.other, guards + (_Negated(s.cond),))
            case N.For():
                for init in s.init:
                    self.stmt(init, guards)
                inner = guards + ((s.cond,) if s.cond is not None else ())
                if s.cond is not None:
                    self.exprs(s.cond, guards)
                self.stmts(s.body, inner)
                for step in s.step:
                    self.stmt(step, inner)
            case N.While() | N.DoWhile():
                self.exprs(s.cond, guards)
                self.stmts(s.body, guards + (s.cond,))
            case N.Assign() if self.shared_scalar(s.target):
                self.exprs(s.value, guards)
                self.record(s, s.target, (), STORE, guards, read_too=s.op is not None)
            case N.Store():
                self.exprs(s.value, guards)
                for index in s.indices:
                    self.exprs(index, guards)
                self.record(s, s.base, s.indices, STORE, guards, read_too=s.op is not None)
            case _:
                for child in s.children():
                    if isinstance(child, N.Expr):
                        self.exprs(child, guards)
                    elif isinstance(child, N.Stmt):
                        self.stmt(child, guards)

    def exprs(self, e: N.Expr, guards: tuple) -> None:
        """Accesses in ``e``; ``c ? a : b``, ``c && a`` and ``c || a`` guard ``a`` (and ``b``)."""
        match e:
            case N.Load():
                self.record(e, e.base, e.indices, LOAD, guards)
                for index in e.indices:
                    self.exprs(index, guards)
                if not isinstance(e.base, N.Var):
                    self.exprs(e.base, guards)
                return
            case N.Var() if self.shared_scalar(e):
                self.record(e, e, (), LOAD, guards)
                return
            case N.Intrinsic() if e.group in (intrinsics.ATOMIC, intrinsics.MEMORY) and e.args:
                self.atomic(e, guards)
                for arg in e.args[1:]:
                    self.exprs(arg, guards)
                return
            case N.Select():
                self.exprs(e.cond, guards)
                self.exprs(e.then, guards + (e.cond,))
                self.exprs(e.other, guards + (_Negated(e.cond),))
                return
            case N.Binary(op="&&" | "||"):
                self.exprs(e.lhs, guards)
                self.exprs(e.rhs, guards + ((e.lhs,) if e.op == "&&" else (_Negated(e.lhs),)))
                return
        for child in e.children():
            self.exprs(child, guards)

    # ------------------------------------------------------------------ accesses

    def atomic(self, node: N.Intrinsic, guards: tuple) -> None:
        target = node.args[0]
        kind = ATOMIC if node.group == intrinsics.ATOMIC else LOAD
        if isinstance(target, N.Unary) and target.op == "&":
            inner = target.operand
            if isinstance(inner, N.Load):
                self.record(node, inner.base, inner.indices, kind, guards)
                self.exprs_list(inner.indices, guards)
                return
            if isinstance(inner, N.Var):
                self.record(node, inner, (), kind, guards)
                return
        self.record(node, target, (), kind, guards)

    def shared_scalar(self, target: N.Expr) -> bool:
        """A ``__shared__`` (or ``__device__``) variable that is not an array: ``s_mean``."""
        if not isinstance(target, N.Var):
            return False
        key = self.scopes.key(target)
        if key is None or isinstance(key.type, (T.Array, T.Pointer)):
            return False
        return key.kind == SHARED or (key.kind == GLOBAL and key.space in ("shared", "device", "managed"))

    def exprs_list(self, items, guards) -> None:
        for item in items:
            self.exprs(item, guards)

    def record(self, node: N.Node, base: N.Expr, indices: tuple[N.Expr, ...], kind: str,
               guards: tuple, read_too: bool = False) -> None:
        root = self.root(base)
        if root is None:
            return
        index = self.linear_index(root, indices)
        value = self.index_value(index)
        pattern = _pattern(value, kind)
        strides = tuple((d, str(s)) for d, s in value.strides.items()) if value.kind == AFFINE else ()
        texts, exprs = self.guards_of(guards, indices, base)
        poly = value.poly if value.kind in (AFFINE, UNIFORM) else None
        indirect = poly is not None and any("[" in atom for atom in poly.atoms())
        access = Access(node, root.array, root.space, kind, pattern, poly, strides,
                        texts, root.vector, indirect, exprs)
        self.info.accesses.append(access)
        self.info.by_node[node] = access
        array = self.info.arrays.setdefault(root.array, ArrayInfo(root.array, root.space, root.elem))
        array.patterns.add(pattern)
        if kind == LOAD or read_too:
            array.reads += 1
        if kind == STORE:
            array.writes += 1
        if kind == ATOMIC:
            array.atomics += 1

    def index_value(self, index: tuple[Poly | None, list[N.Expr]]) -> Value:
        poly, opaque = index
        if poly is None or any(not self.uni.value(e).is_uniform for e in opaque):
            return Value("varying")
        if opaque:
            for e in opaque:
                poly = poly + Poly.atom(print_expr(e))
        from porter.passes.uniformity import classify

        return classify(poly)

    def linear_index(self, root: _Root, indices: tuple[N.Expr, ...]) -> tuple[Poly | None, list[N.Expr]]:
        """The element index as a polynomial (None when some part is not affine); parts that are
        uniform but not polynomial are returned to be added as atoms."""
        if root.offset is None:
            return None, []
        total = root.offset
        opaque: list[N.Expr] = []
        dims = root.dims
        for position, index in enumerate(indices):
            value = self.uni.value(index)
            if value.poly is None:
                if value.is_uniform:
                    opaque.append(index)
                    continue
                return None, []
            scale = ONE
            for extent in dims[position + 1:]:
                scale = scale * (Poly.const(extent) if isinstance(extent, int) else
                                 Poly.atom(str(extent)) if extent is not None else ONE)
            total = total + value.poly * scale
        return total, opaque

    def root(self, base: N.Expr, depth: int = 0) -> _Root | None:
        """The array ``base`` points into, following casts, pointer arithmetic and aliases."""
        if depth > 32:
            return None
        match base:
            case N.Var():
                key = self.scopes.key(base)
                if key is None:
                    return None
                if key.kind == LOCAL and isinstance(key.type, T.Pointer):
                    return self.alias(key, depth)
                return _root_of_key(key)
            case N.Cast():
                inner = self.root(base.operand, depth + 1)
                if inner is None:
                    return None
                pointee = base.type.pointee if isinstance(base.type, T.Pointer) else None
                if pointee is None or pointee == inner.elem:
                    return inner
                lanes = pointee.lanes if isinstance(pointee, T.Vector) else 1
                elem = pointee.elem if isinstance(pointee, T.Vector) else pointee
                # the index now counts the new element type: an offset carries over only when zero
                offset = inner.offset if inner.offset == ZERO else None
                return _Root(inner.array, inner.space, elem, offset, (), lanes)
            case N.Binary(op="+" | "-"):
                pointer, offset = (base.lhs, base.rhs) if T.is_pointerlike(base.lhs.type) else (base.rhs, base.lhs)
                inner = self.root(pointer, depth + 1)
                if inner is None:
                    return None
                value = self.uni.value(offset)
                add = value.poly if value.poly is not None else None
                if add is not None and base.op == "-":
                    add = -add
                total = inner.offset + add if inner.offset is not None and add is not None else None
                return _Root(inner.array, inner.space, inner.elem, total, (), inner.vector)
            case N.Unary(op="&"):
                if isinstance(base.operand, N.Load):
                    inner = self.root(base.operand.base, depth + 1)
                    if inner is None:
                        return None
                    index, opaque = self.linear_index(inner, base.operand.indices)
                    if opaque:
                        index = None
                    return _Root(inner.array, inner.space, inner.elem, index, (), inner.vector)
        return None

    def alias(self, key: VarKey, depth: int) -> _Root | None:
        """A pointer local: the array its definitions point into. With several definitions
        (``src``/``dst`` swapped between buffers) the offset is a symbol of its own."""
        if key in self.resolving:
            return None  # a cycle of pointer copies: the other definitions decide
        self.resolving.add(key)
        try:
            defs = self.scopes.defs.get(key, [])
            if len(defs) == 1 and defs[0].value is not None:
                found = self.root(defs[0].value, depth + 1)
            else:
                known = [r for d in defs if d.value is not None
                         if (r := self.root(d.value, depth + 1)) is not None]
                arrays = {(r.array, r.space) for r in known}
                found = None
                if len(arrays) == 1:
                    first = known[0]
                    found = _Root(first.array, first.space, first.elem, Poly.atom(f"{key.name}@offset"), (),
                                  first.vector)
        finally:
            self.resolving.discard(key)
        if found is None and not self.resolving:
            return _Root(key.name, "global", T.element_type(key.type), ZERO)
        return found

    # ------------------------------------------------------------------ guards

    def guards_of(self, guards: tuple, indices: tuple[N.Expr, ...],
                  base: N.Expr) -> tuple[tuple[str, ...], tuple[N.Expr, ...]]:
        """The conditions that bound this access: texts, and the plain (not negated) ones."""
        names = self.index_names(indices, base)
        texts: list[str] = []
        exprs: list[N.Expr] = []
        for guard in guards:
            for conjunct in _conjuncts(guard):
                negated = isinstance(conjunct, _Negated)
                expr = conjunct.expr if negated else conjunct
                text = conjunct.text() if negated else print_expr(conjunct)
                if _mentions(expr, names) and text not in texts:
                    texts.append(text)
                    if not negated:
                        exprs.append(expr)
        return tuple(texts), tuple(exprs)

    def index_names(self, indices: tuple[N.Expr, ...], base: N.Expr) -> set[str]:
        """Variables the index depends on, through single definitions (``i`` and what made ``i``)."""
        names: set[str] = set()
        todo = list(indices) + [base]
        seen = 0
        while todo and seen < 200:
            seen += 1
            node = todo.pop()
            if isinstance(node, N.Var):
                if node.name in names:
                    continue
                names.add(node.name)
                key = self.scopes.key(node)
                if key is not None and key.kind == LOCAL:
                    for d in self.scopes.defs.get(key, []):
                        if d.value is not None:
                            todo.append(d.value)
            elif isinstance(node, N.Builtin):
                names.add(node.text)
            elif isinstance(node, N.Expr):
                todo.extend(node.children())
        return names


@dataclass(frozen=True)
class _Negated:
    expr: N.Expr

    def text(self) -> str:
        e = self.expr
        if isinstance(e, N.Binary) and e.op in _NEGATE:
            return f"{print_expr(e.lhs)} {_NEGATE[e.op]} {print_expr(e.rhs)}"
        if isinstance(e, N.Binary) and e.op == "||":
            return " && ".join(_Negated(p).text() for p in (e.lhs, e.rhs))
        return f"!({print_expr(e)})"


def _conjuncts(guard) -> list:
    if isinstance(guard, _Negated):
        e = guard.expr
        if isinstance(e, N.Binary) and e.op == "||":
            return _conjuncts(_Negated(e.lhs)) + _conjuncts(_Negated(e.rhs))
        return [guard]
    if isinstance(guard, N.Binary) and guard.op == "&&":
        return _conjuncts(guard.lhs) + _conjuncts(guard.rhs)
    return [guard]


def _mentions(e: N.Expr, names: set[str]) -> bool:
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, N.Var) and node.name in names:
            return True
        if isinstance(node, N.Builtin) and node.text in names:
            return True
        stack.extend(node.children())
    return False


def _early_exit_condition(stmt: N.Stmt) -> N.Expr | None:
    """``cond`` of ``if (cond) return;`` (the statements after it run where ``!cond``)."""
    if isinstance(stmt, N.If) and stmt.other is None and stmt.then.body \
            and isinstance(stmt.then.body[-1], N.Return) and len(stmt.then.body) == 1:
        return stmt.cond
    return None


def _root_of_key(key: VarKey) -> _Root | None:
    t = key.type
    if key.kind == PARAM and isinstance(t, T.Pointer):
        return _Root(key.name, "global", t.pointee, ZERO)
    if key.kind == SHARED:
        dims = t.dims if isinstance(t, T.Array) else ()
        return _Root(key.name, "shared", T.strip_array(t), ZERO, dims)
    if key.kind == GLOBAL and key.space in ("constant", "device", "managed", "shared"):
        space = "constant" if key.space == "constant" else "shared" if key.space == "shared" else "global"
        dims = t.dims if isinstance(t, T.Array) else ()
        return _Root(key.name, space, T.strip_array(t), ZERO, dims)
    if key.kind == LOCAL and isinstance(t, T.Array):
        return _Root(key.name, "local", T.strip_array(t), ZERO, t.dims)
    return None


def _pattern(value: Value, kind: str) -> str:
    if value.kind == UNIFORM:
        return "uniform"
    if value.kind != AFFINE:
        return "gather" if kind == LOAD else "scatter"
    strides = value.strides
    x = strides.get("x")
    if x is None:
        other = next(iter(strides.items()))
        return f"strided.{other[0]}({other[1]})"
    if x == ONE:
        return "contiguous"
    return f"strided({x})"
