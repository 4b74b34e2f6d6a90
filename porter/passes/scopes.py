"""Name resolution and definitions for the analyses: which declaration each ``Var`` means, and
where each local is assigned, under which branches and loops.

A variable is identified by a :class:`VarKey`: its declaration (a ``Decl`` node, a parameter,
a shared variable, a global) and its name. Two loops that each declare ``int i`` have two keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.module import Function, Module

PARAM = "param"
LOCAL = "local"
SHARED = "shared"
GLOBAL = "global"
TEMPLATE = "template"
BUILTIN = "builtin"


@dataclass(frozen=True)
class VarKey:
    name: str
    kind: str  # param, local, shared, global, template, builtin
    decl: object = field(default=None, compare=True, hash=True)  # the Decl node for locals
    type: T.Type = field(default=T.UNKNOWN, compare=False, hash=False)
    space: str = ""  # for globals: constant, device, managed, const, shared

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Def:
    """One assignment of a local: ``Decl`` with an initialiser, ``Assign`` (``op`` for ``+=``)."""

    key: VarKey
    stmt: N.Stmt
    value: N.Expr | None
    op: str | None
    controls: tuple[N.Node, ...]  # enclosing If/loop nodes, outermost first
    partial: bool = False  # assigns one field (v.x = ...)


@dataclass
class Scopes:
    """The resolution of every ``Var`` of a function, and every definition of its locals."""

    function: Function
    uses: dict[N.Var, VarKey] = field(default_factory=dict)
    defs: dict[VarKey, list[Def]] = field(default_factory=dict)
    decl_controls: dict[VarKey, tuple[N.Node, ...]] = field(default_factory=dict)
    locals: list[VarKey] = field(default_factory=list)

    def key(self, var: N.Var) -> VarKey | None:
        return self.uses.get(var)


def resolve(fn: Function, module: Module | None = None) -> Scopes:
    scopes = Scopes(fn)
    outer: dict[str, VarKey] = {}
    if module is not None:
        for g in module.globals:
            outer[g.name] = VarKey(g.name, GLOBAL, None, g.type, g.space)
    for p in fn.template_params:
        if p.kind == "value":
            outer[p.name] = VarKey(p.name, TEMPLATE, None, p.value_type or T.I32)
    for s in fn.shared:
        outer[s.name] = VarKey(s.name, SHARED, None, s.type, "shared")
    for p in fn.params:
        outer[p.name] = VarKey(p.name, PARAM, None, p.type)
    if fn.body is not None:
        _Walker(scopes).block(fn.body, [outer], ())
    return scopes


class _Walker:
    def __init__(self, scopes: Scopes):
        self.s = scopes

    def lookup(self, stack: list[dict[str, VarKey]], name: str) -> VarKey:
        for scope in reversed(stack):
            if name in scope:
                return scope[name]
        return VarKey(name, BUILTIN if name in ("threadIdx", "blockIdx", "blockDim", "gridDim") else GLOBAL)

    def exprs(self, e: N.Expr | None, stack: list[dict[str, VarKey]]) -> None:
        if e is None:
            return
        todo = [e]
        while todo:
            node = todo.pop()
            if isinstance(node, N.Var):
                self.s.uses[node] = self.lookup(stack, node.name)
            todo.extend(node.children())

    def block(self, block: N.Block, stack: list[dict[str, VarKey]], controls: tuple[N.Node, ...]) -> None:
        stack.append({})
        for stmt in block.body:
            self.stmt(stmt, stack, controls)
        stack.pop()

    def define(self, key: VarKey, stmt: N.Stmt, value: N.Expr | None, op: str | None,
               controls: tuple[N.Node, ...], partial: bool = False) -> None:
        self.s.defs.setdefault(key, []).append(Def(key, stmt, value, op, controls, partial))

    def stmt(self, s: N.Stmt, stack: list[dict[str, VarKey]], controls: tuple[N.Node, ...]) -> None:
        match s:
            case N.Block():
                self.block(s, stack, controls)
            case N.Decl():
                self.exprs(s.init, stack)
                key = VarKey(s.name, LOCAL, s, s.var_type)
                stack[-1][s.name] = key
                self.s.locals.append(key)
                self.s.decl_controls[key] = controls
                if s.init is not None:
                    self.define(key, s, s.init, None, controls)
            case N.Assign():
                self.exprs(s.value, stack)
                self.exprs(s.target, stack)
                target = s.target if isinstance(s.target, N.Var) else s.target.base
                if isinstance(target, N.Var):
                    key = self.s.uses[target]
                    self.define(key, s, s.value, s.op, controls, partial=not isinstance(s.target, N.Var))
            case N.If():
                self.exprs(s.cond, stack)
                self.block(s.then, stack, controls + (s,))
                if s.other is not None:
                    self.block(s.other, stack, controls + (s,))
            case N.For():
                stack.append({})
                for init in s.init:
                    self.stmt(init, stack, controls)
                self.exprs(s.cond, stack)
                self.block(s.body, stack, controls + (s,))
                for step in s.step:
                    self.stmt(step, stack, controls + (s,))
                stack.pop()
            case N.While() | N.DoWhile():
                self.exprs(s.cond, stack)
                self.block(s.body, stack, controls + (s,))
            case _:
                for child in s.children():
                    if isinstance(child, N.Expr):
                        self.exprs(child, stack)
                    elif isinstance(child, N.Stmt):
                        self.stmt(child, stack, controls)
