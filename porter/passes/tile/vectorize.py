"""classify-lanes: which variables are lane vectors and which loops need masks.

A variable is a lane vector when it is ever given a value that differs between lanes (thread
index, a vector variable, an atomic's old value, a shuffle, a load in divergent code), or is
assigned in code more divergent than where it was declared (lanes that skip the assignment keep
the old value). A loop is *masked* when its condition differs between lanes or when a
``break``/``continue``/``return`` leaves it. Solved to a fixed point; variables must have unique
names (see :func:`uniquify`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from porter.ir import nodes as N
from porter.ir.walk import walk

LOOPS = (N.For, N.While, N.DoWhile)


@dataclass
class LaneInfo:
    vectors: set[str] = field(default_factory=set)
    masked_loops: set[int] = field(default_factory=set)  # id() of loop statements
    depth: dict[str, int] = field(default_factory=dict)  # divergence depth of each declaration

    def loop_masked(self, loop: N.Stmt) -> bool:
        return id(loop) in self.masked_loops


@dataclass(frozen=True)
class ClassifyLanes:
    name: ClassVar[str] = "classify-lanes"

    def apply(self, body: N.Block, params: dict[str, bool]) -> LaneInfo:
        info = LaneInfo()
        info.vectors |= {name for name, vec in params.items() if vec}
        for name in params:
            info.depth[name] = 0
        while True:
            before = (len(info.vectors), len(info.masked_loops))
            _Walker(info).stmt(body, 0)
            if (len(info.vectors), len(info.masked_loops)) == before:
                return info


def varying(e: N.Expr | None, info: LaneInfo, depth: int) -> bool:
    if e is None:
        return False
    for n in walk(e):
        if isinstance(n, N.Builtin) and n.name == "threadIdx":
            return True
        if isinstance(n, N.Var) and n.name in info.vectors:
            return True
        if isinstance(n, N.Load) and depth > 0:
            return True
        if isinstance(n, N.Intrinsic) and n.group in ("atomic", "shuffle", "vote"):
            return True
    return False


class _Walker:
    def __init__(self, info: LaneInfo):
        self.info = info

    def assign(self, name: str, value_varying: bool, depth: int) -> None:
        if value_varying or depth > self.info.depth.get(name, 0):
            self.info.vectors.add(name)

    def stmt(self, s: N.Stmt, depth: int) -> None:
        info = self.info
        match s:
            case N.Block():
                for child in s.body:
                    self.stmt(child, depth)
            case N.Decl():
                info.depth.setdefault(s.name, depth)
                self.assign(s.name, varying(s.init, info, depth), depth)
            case N.Assign():
                target = s.target.base if isinstance(s.target, N.Member) else s.target
                if isinstance(target, N.Var):
                    self.assign(target.name, varying(s.value, info, depth), depth)
            case N.Eval():
                self.sincos(s.expr, depth)
            case N.If():
                inner = depth + 1 if varying(s.cond, info, depth) else depth
                self.stmt(s.then, inner)
                if s.other is not None:
                    self.stmt(s.other, inner)
            case N.For() | N.While() | N.DoWhile():
                init = s.init if isinstance(s, N.For) else ()
                for part in init:
                    self.stmt(part, depth)
                exits = any(isinstance(n, (N.Break, N.Continue, N.Return)) for n in walk(s.body))
                masked = id(s) in info.masked_loops or exits or varying(s.cond, info, depth + 1)
                if masked:
                    info.masked_loops.add(id(s))
                inner = depth + 1 if masked else depth
                self.stmt(s.body, inner)
                for part in s.step if isinstance(s, N.For) else ():
                    self.stmt(part, inner)
            case _:
                pass

    def sincos(self, e: N.Expr, depth: int) -> None:
        if isinstance(e, N.Intrinsic) and e.name in ("sincosf", "sincos", "__sincosf"):
            for out in e.args[1:]:
                if isinstance(out, N.Unary) and isinstance(out.operand, N.Var):
                    self.assign(out.operand.name, varying(e.args[0], self.info, depth), depth)


def uniquify(block: N.Block, taken: set[str]) -> N.Block:
    """Every local declared once under its own name (shadowing and sibling scopes renamed)."""
    seen: set[str] = set(taken)

    def fresh(name: str) -> str:
        if name not in seen:
            seen.add(name)
            return name
        k = 2
        while f"{name}_{k}" in seen:
            k += 1
        seen.add(f"{name}_{k}")
        return f"{name}_{k}"

    def expr(e, scope):
        if e is None:
            return None
        from porter.ir.walk import rewrite
        return rewrite(e, lambda n: n.replace(name=scope[n.name]) if isinstance(n, N.Var) and n.name in scope
                       and scope[n.name] != n.name else None)

    def stmts(body, scope):
        scope = dict(scope)
        out = []
        for s in body:
            out.append(stmt(s, scope))
        return tuple(out)

    def stmt(s, scope):
        match s:
            case N.Block():
                return s.replace(body=stmts(s.body, scope))
            case N.Decl():
                init = expr(s.init, scope)
                scope[s.name] = fresh(s.name)
                return s.replace(name=scope[s.name], init=init)
            case N.For():
                inner = dict(scope)
                init = tuple(stmt(p, inner) for p in s.init)
                return s.replace(init=init, cond=expr(s.cond, inner), step=tuple(stmt(p, inner) for p in s.step),
                                 body=s.body.replace(body=stmts(s.body.body, inner)))
            case N.If():
                return s.replace(cond=expr(s.cond, scope), then=s.then.replace(body=stmts(s.then.body, scope)),
                                 other=s.other.replace(body=stmts(s.other.body, scope)) if s.other else None)
            case N.While() | N.DoWhile():
                return s.replace(cond=expr(s.cond, scope), body=s.body.replace(body=stmts(s.body.body, scope)))
        changes = {}
        for name in s.CHILDREN:
            value = getattr(s, name)
            if isinstance(value, N.Expr):
                changes[name] = expr(value, scope)
            elif isinstance(value, tuple) and value and isinstance(value[0], N.Expr):
                changes[name] = tuple(expr(v, scope) for v in value)
        return s.replace(**changes) if changes else s

    return block.replace(body=stmts(block.body, {}))
