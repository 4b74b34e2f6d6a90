"""Uniformity: is a value the same for the whole block, affine in the thread index, or varying?

* **uniform**: the same in every thread of a block (built from ``blockIdx``, ``blockDim``,
  parameters, constants, uniform loads);
* **affine**: ``base + stride.x*threadIdx.x (+ stride.y*threadIdx.y ...)`` with uniform base and
  strides, which is what makes an access contiguous or strided;
* **varying**: anything else (data-dependent, lane arithmetic, shuffles...).

Values are polynomials (:mod:`porter.passes.poly`) where the algebra allows, so the memory
analysis can read strides. Variables assigned once take their definition's value; variables
assigned several times are uniform when every assignment is (and none is under thread-dependent
control), affine when they are induction variables (affine start, uniform increments), else
varying. Loops get a trip count that is uniform or thread-dependent; branches are divergent or not.
The result is keyed by node (identity), for the tile lowering to read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar

from porter.ir import intrinsics
from porter.ir import nodes as N
from porter.ir.module import Function, Module
from porter.ir.printer import print_expr
from porter.ir.walk import walk
from porter.passes.poly import THREAD_ATOMS, Poly, depends_on_thread, is_affine, split
from porter.passes.scopes import BUILTIN, LOCAL, Def, Scopes, VarKey, resolve

UNIFORM = "uniform"
AFFINE = "affine"
VARYING = "varying"
_ORDER = {UNIFORM: 0, AFFINE: 1, VARYING: 2}
_MAX_ROUNDS = 30


@dataclass(frozen=True)
class Value:
    kind: str
    poly: Poly | None = None

    @property
    def is_uniform(self) -> bool:
        return self.kind == UNIFORM

    @property
    def base(self) -> Poly | None:
        return split(self.poly)[0] if self.poly is not None else None

    @property
    def strides(self) -> dict[str, Poly]:
        return split(self.poly)[1] if self.poly is not None else {}

    def __str__(self) -> str:
        if self.kind == VARYING or self.poly is None:
            return self.kind
        if self.kind == UNIFORM:
            return f"uniform({self.poly})"
        base, strides = split(self.poly)
        parts = [f"base={base}"] + [f"stride.{d}={s}" for d, s in strides.items()]
        return f"affine({', '.join(parts)})"


VARYING_VALUE = Value(VARYING)
_BOTTOM = Value("bottom")


def classify(poly: Poly) -> Value:
    if not is_affine(poly):
        return VARYING_VALUE
    return Value(AFFINE if depends_on_thread(poly) else UNIFORM, poly)


def uniform_atom(text: str) -> Value:
    return Value(UNIFORM, Poly.atom(text))


@dataclass
class LoopInfo:
    node: N.Stmt
    var: str | None
    uniform_trip: bool
    reason: str = ""


@dataclass
class UniformityInfo:
    function: Function
    scopes: Scopes
    values: dict[N.Expr, Value] = field(default_factory=dict)
    vars: dict[VarKey, Value] = field(default_factory=dict)
    divergent: dict[N.Stmt, bool] = field(default_factory=dict)  # If nodes
    loops: dict[N.Stmt, LoopInfo] = field(default_factory=dict)

    def value(self, expr: N.Expr) -> Value:
        return self.values.get(expr, VARYING_VALUE)

    def render(self) -> str:
        lines = [f"uniformity {self.function.full_name}"]
        for key in self.scopes.locals:
            value = self.vars.get(key, VARYING_VALUE)
            lines.append(f"  var {key.name}@{key.decl.span.line}: {value}")
        for node, info in self.loops.items():
            what = f" ({info.var})" if info.var else ""
            trip = "uniform trip count" if info.uniform_trip else f"thread-dependent trip count: {info.reason}"
            lines.append(f"  loop@{node.span.line}{what}: {trip}")
        for node, divergent in self.divergent.items():
            lines.append(f"  if@{node.span.line} ({print_expr(node.cond)}): {'divergent' if divergent else 'uniform'}")
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Uniformity:
    """The uniformity analysis as a pass: ``apply(module)`` -> function name -> result."""

    name: ClassVar[str] = "uniformity"

    def apply(self, module: Module) -> dict[str, UniformityInfo]:
        return {fn.full_name: analyze(fn, module) for fn in module.functions if fn.body is not None}


def analyze(fn: Function, module: Module | None = None) -> UniformityInfo:
    scopes = resolve(fn, module)
    info = UniformityInfo(fn, scopes)
    solver = _Solver(info, module)
    solver.solve()
    return info


class _Solver:
    def __init__(self, info: UniformityInfo, module: Module | None):
        self.info = info
        self.module = module
        self.env: dict[VarKey, Value] = {k: _BOTTOM for k in info.scopes.defs}
        self.thread_callees = _functions_reading_thread_index(module) if module is not None else set()
        self.recording = False
        self.inlining: list[str] = []
        self.bindings: dict[str, Value] | None = None

    # ------------------------------------------------------------------ fixpoint

    def solve(self) -> None:
        for _ in range(_MAX_ROUNDS):
            self.control_facts()
            changed = False
            for key, defs in self.info.scopes.defs.items():
                new = self.resolve_var(key, defs)
                if new != self.env.get(key):
                    self.env[key] = new
                    changed = True
            if not changed:
                break
        else:  # no fixpoint: give up precision, not soundness
            self.env = {k: VARYING_VALUE for k in self.env}
        self.control_facts()
        self.recording = True
        for node in walk(self.info.function.body):
            if isinstance(node, N.Expr):
                self.eval(node)
        self.info.vars = {k: (v if v is not _BOTTOM else VARYING_VALUE) for k, v in self.env.items()}
        for key in self.info.scopes.locals:
            self.info.vars.setdefault(key, VARYING_VALUE)

    def control_facts(self) -> None:
        info = self.info
        for node in walk(info.function.body):
            if isinstance(node, N.If):
                info.divergent[node] = not self.eval(node.cond).is_uniform
        for node in walk(info.function.body):
            if isinstance(node, (N.For, N.While, N.DoWhile)):
                info.loops[node] = self.loop_info(node)

    def loop_info(self, loop: N.Stmt) -> LoopInfo:
        var = _loop_var(loop)
        cond = loop.cond
        if cond is not None and not self.eval(cond).is_uniform:
            return LoopInfo(loop, var, False, f"condition {print_expr(cond)} is not uniform")
        for node, path in _exits(loop.body):
            for control in path:
                if isinstance(control, N.If) and self.info.divergent.get(control):
                    kind = type(node).__name__.lower()
                    return LoopInfo(loop, var, False, f"{kind} under thread-dependent if@{control.span.line}")
        return LoopInfo(loop, var, True)

    def is_divergent_control(self, control: N.Node, def_: Def) -> bool:
        if isinstance(control, N.If):
            return self.info.divergent.get(control, False)
        loop = self.info.loops.get(control)
        if loop is None or loop.uniform_trip:
            return False
        # the loop's own counter is per-thread in a thread-dependent loop, but stays affine
        return not (isinstance(control, N.For) and def_.stmt in control.step)

    def resolve_var(self, key: VarKey, defs: list[Def]) -> Value:
        outer = self.info.scopes.decl_controls.get(key, ())
        for def_ in defs:
            inner = def_.controls[len(outer):] if def_.controls[:len(outer)] == outer else def_.controls
            if any(self.is_divergent_control(c, def_) for c in inner):
                return VARYING_VALUE
        values = [self.def_value(key, d) for d in defs]
        if any(v.kind == VARYING for v in values):
            return VARYING_VALUE
        if len(defs) == 1 and defs[0].op is None and not defs[0].partial:
            return values[0]
        if all(v.kind in (UNIFORM, "bottom") for v in values):
            return uniform_atom(key.name)
        return self.induction(key, defs, values)

    def induction(self, key: VarKey, defs: list[Def], values: list[Value]) -> Value:
        """``i = affine start; i += uniform``: affine, with the start's strides."""
        strides = None
        for def_, value in zip(defs, values):
            if def_.op in ("+", "-") or _self_update(def_, key):
                step = self.eval(def_.value) if def_.op else None
                if step is not None and not step.is_uniform:
                    return VARYING_VALUE
                continue
            if value.kind == "bottom" or value.poly is None:
                return VARYING_VALUE
            these = split(value.poly)[1]
            if strides is not None and these != strides:
                return VARYING_VALUE
            strides = these
        if not strides:
            return uniform_atom(key.name)
        poly = Poly.atom(f"{key.name}@base")
        for dim, stride in strides.items():
            poly = poly + stride * Poly.atom(f"threadIdx.{dim}")
        return classify(poly)

    def def_value(self, key: VarKey, def_: Def) -> Value:
        if def_.value is None:
            return VARYING_VALUE
        value = self.eval(def_.value)
        if def_.op is None:
            return value
        current = self.env.get(key, _BOTTOM)
        if current is _BOTTOM:
            return value
        return _combine(def_.op, current, value, None)

    # ------------------------------------------------------------------ expressions

    def eval(self, e: N.Expr) -> Value:
        if self.recording and self.bindings is None:
            known = self.info.values.get(e)
            if known is None:
                known = self.info.values[e] = self._eval(e)
            return known
        return self._eval(e)

    def _eval(self, e: N.Expr) -> Value:
        match e:
            case N.Const():
                if isinstance(e.value, bool):
                    return Value(UNIFORM, Poly.const(int(e.value)))
                if isinstance(e.value, int):
                    return Value(UNIFORM, Poly.const(e.value))
                return uniform_atom(print_expr(e))
            case N.Builtin():
                return classify(Poly.atom(e.text))
            case N.Var():
                return self.var(e)
            case N.Binary():
                return self.binary(e)
            case N.Unary():
                operand = self.eval(e.operand)
                if e.op == "-" and operand.poly is not None:
                    return classify(-operand.poly)
                if e.op == "+":
                    return operand
                return uniform_atom(print_expr(e)) if operand.is_uniform else VARYING_VALUE
            case N.Cast():
                return self.eval(e.operand)
            case N.Select():
                parts = [self.eval(e.cond), self.eval(e.then), self.eval(e.other)]
                return uniform_atom(print_expr(e)) if all(p.is_uniform for p in parts) else VARYING_VALUE
            case N.Load():
                parts = [self.eval(e.base), *(self.eval(i) for i in e.indices)]
                return uniform_atom(print_expr(e)) if all(p.is_uniform for p in parts) else VARYING_VALUE
            case N.Member():
                return uniform_atom(print_expr(e)) if self.eval(e.base).is_uniform else VARYING_VALUE
            case N.Intrinsic():
                return self.intrinsic(e)
            case N.Call():
                args = [self.eval(a) for a in e.args]
                inlined = self.inline_call(e, args)
                if inlined is not None:
                    return inlined
                if e.callee in self.thread_callees or not all(a.is_uniform for a in args):
                    return VARYING_VALUE
                return uniform_atom(print_expr(e))
        return VARYING_VALUE

    def inline_call(self, call: N.Call, args: list[Value]) -> Value | None:
        """The value of a call of a one-statement function (``return <expr>;``), evaluated with
        its parameters bound to the arguments: ``global_id()`` is affine like its body."""
        if self.module is None or len(self.inlining) > 4:
            return None
        callee = self.module.function(call.callee, len(call.args))
        if callee is None or callee.body is None or len(callee.body.body) != 1 \
                or not isinstance(callee.body.body[0], N.Return) or callee.body.body[0].value is None:
            return None
        if callee.name in self.inlining:
            return None
        bound = {p.name: a for p, a in zip(callee.params, args)}
        self.inlining.append(callee.name)
        saved, self.bindings = self.bindings, bound
        try:
            return self._eval(callee.body.body[0].value)
        finally:
            self.bindings = saved
            self.inlining.pop()

    def var(self, e: N.Var) -> Value:
        if self.bindings is not None:  # inside an inlined callee: only its parameters are known
            return self.bindings.get(e.name, VARYING_VALUE)
        key = self.info.scopes.key(e)
        if key is None or key.kind == BUILTIN:
            return VARYING_VALUE
        if key.kind == LOCAL:
            value = self.env.get(key)
            if value is None:  # never assigned
                return VARYING_VALUE
            return uniform_atom(key.name) if value is _BOTTOM else value
        return uniform_atom(key.name)  # parameters, shared and global variables, template values

    def binary(self, e: N.Binary) -> Value:
        lhs, rhs = self.eval(e.lhs), self.eval(e.rhs)
        return _combine(e.op, lhs, rhs, e)

    def intrinsic(self, e: N.Intrinsic) -> Value:
        args = [self.eval(a) for a in e.args]
        if e.group in (intrinsics.SHUFFLE, intrinsics.VOTE, intrinsics.ATOMIC, intrinsics.MISC, intrinsics.MEMORY):
            if e.group == intrinsics.MEMORY and all(a.is_uniform for a in args):
                return uniform_atom(print_expr(e))
            return VARYING_VALUE
        if e.group == intrinsics.SYNC:
            return uniform_atom(print_expr(e))
        if all(a.is_uniform for a in args):
            return uniform_atom(print_expr(e))
        clamp = _clamped(e, args)
        return clamp if clamp is not None else VARYING_VALUE


def _combine(op: str, lhs: Value, rhs: Value, e: N.Binary | None) -> Value:
    if lhs.kind == VARYING or rhs.kind == VARYING:
        return VARYING_VALUE
    if lhs.poly is not None and rhs.poly is not None:
        if op == "+":
            return classify(lhs.poly + rhs.poly)
        if op == "-":
            return classify(lhs.poly - rhs.poly)
        if op == "*":
            return classify(lhs.poly * rhs.poly)
        if op == "<<" and rhs.poly.const_value is not None and 0 <= rhs.poly.const_value < 63:
            return classify(lhs.poly.scale(2 ** rhs.poly.const_value))
    if lhs.is_uniform and rhs.is_uniform:
        if e is None:
            return uniform_atom(f"({lhs.poly} {op} {rhs.poly})")
        folded = _fold(op, lhs, rhs)
        return folded if folded is not None else uniform_atom(print_expr(e))
    return VARYING_VALUE


def _fold(op: str, lhs: Value, rhs: Value) -> Value | None:
    a = lhs.poly.const_value if lhs.poly is not None else None
    b = rhs.poly.const_value if rhs.poly is not None else None
    if a is None or b is None:
        return None
    try:
        result = {"/": lambda: int(a / b) if b else None, "%": lambda: a - int(a / b) * b if b else None,
                  ">>": lambda: a >> b if b >= 0 else None, "&": lambda: a & b, "|": lambda: a | b,
                  "^": lambda: a ^ b, "<": lambda: int(a < b), "<=": lambda: int(a <= b),
                  ">": lambda: int(a > b), ">=": lambda: int(a >= b), "==": lambda: int(a == b),
                  "!=": lambda: int(a != b), "&&": lambda: int(bool(a and b)),
                  "||": lambda: int(bool(a or b))}[op]()
    except (KeyError, ValueError):
        return None
    return Value(UNIFORM, Poly.const(result)) if result is not None else None


_CLAMPS = {"min", "max", "umin", "umax", "llmin", "llmax"}


def _clamped(e: N.Intrinsic, args: list[Value]) -> Value | None:
    """``min(i + 1, n - 1)``: an affine index clamped to uniform bounds stays affine (it is
    exact away from the edges, which is what access patterns are about)."""
    if e.name not in _CLAMPS:
        return None
    affine = [a for a in args if a.kind == AFFINE]
    if len(affine) == 1 and all(a.is_uniform or a is affine[0] for a in args):
        return affine[0]
    return None


def _self_update(def_: Def, key: VarKey) -> bool:
    """``i = i + step`` written without ``+=``."""
    value = def_.value
    return (isinstance(value, N.Binary) and value.op in ("+", "-") and isinstance(value.lhs, N.Var)
            and value.lhs.name == key.name)


def _loop_var(loop: N.Stmt) -> str | None:
    if isinstance(loop, N.For):
        for init in loop.init:
            if isinstance(init, N.Decl):
                return init.name
            if isinstance(init, N.Assign) and isinstance(init.target, N.Var):
                return init.target.name
        for step in loop.step:
            if isinstance(step, N.Assign) and isinstance(step.target, N.Var):
                return step.target.name
    return None


def _exits(body: N.Block):
    """(break/return node, enclosing If nodes inside ``body``) for exits that leave the loop."""
    stack: list[tuple[N.Node, tuple[N.Node, ...]]] = [(body, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, (N.Break, N.Return)):
            yield node, path
            continue
        if isinstance(node, (N.For, N.While, N.DoWhile)):
            # a nested loop's break leaves only the nested loop; its returns still count
            for inner in walk(node.body):
                if isinstance(inner, N.Return):
                    yield inner, path + (node,)
            continue
        if isinstance(node, N.Expr):
            continue
        extra = (node,) if isinstance(node, N.If) else ()
        for child in node.children():
            stack.append((child, path + extra))


@lru_cache(maxsize=8)  # per module (modules hash by identity): every function of it asks
def _functions_reading_thread_index(module: Module) -> frozenset[str]:
    """Names of functions whose result can depend on the thread (they read threadIdx or call
    such a function, or use warp intrinsics)."""
    direct: dict[str, set[str]] = {}
    reads: set[str] = set()
    for fn in module.functions:
        calls = set()
        for node in walk(fn.body):
            if isinstance(node, N.Builtin) and node.name == "threadIdx" or isinstance(node, N.Intrinsic) and node.group in (intrinsics.SHUFFLE, intrinsics.VOTE,
                                                                  intrinsics.ATOMIC):
                reads.add(fn.name)
            elif isinstance(node, N.Load):
                reads.add(fn.name)  # memory may hold per-thread data
            elif isinstance(node, N.Call):
                calls.add(node.callee)
        direct[fn.name] = calls
    changed = True
    while changed:
        changed = False
        for name, calls in direct.items():
            if name not in reads and calls & reads:
                reads.add(name)
                changed = True
    return frozenset(reads)


__all__ = ["AFFINE", "THREAD_ATOMS", "UNIFORM", "VARYING", "LoopInfo", "Uniformity", "UniformityInfo",
           "Value", "analyze"]
