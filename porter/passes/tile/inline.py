"""inline-device-calls: device-function calls replaced by their bodies, on the IR.

After this pass a kernel has no ``Call`` nodes, so the vectorisation sees one flat body.
* a function whose body is one ``return e`` is substituted as an expression (its parameters
  bound to the arguments, cast to the parameter types);
* any other function is hoisted before the statement that calls it: parameters become fresh
  locals (references bind to the caller's variable), locals are renamed, ``return v`` becomes an
  assignment to a result variable plus a ``done`` flag that guards the statements after it;
* shared arrays of callees are added to the kernel (one copy per block, as in CUDA).

Refused: recursion, returns inside loops, calls under ``?:``/``&&``/``||`` of non-expression
functions, references bound to something other than a variable.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import ClassVar

from porter.frontends.headers import header_text
from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.module import Function, Module, SharedVar
from porter.ir.walk import rewrite, walk
from porter.passes.tile.errors import Refusal


@dataclass(frozen=True)
class InlineDeviceCalls:
    name: ClassVar[str] = "inline-device-calls"
    source_text: str = ""

    def apply(self, fn: Function, module: Module) -> Function:
        return _Inliner(module, self.source_text).run(fn)


class _Inliner:
    def __init__(self, module: Module, text: str):
        self.module = module
        self.text = text
        self.counter = itertools.count(1)
        self.shared: list[SharedVar] = []
        self.stack: list[str] = []

    def run(self, fn: Function) -> Function:
        body = self.block(fn.body)
        return fn.replace(body=body, shared=fn.shared + tuple(self.shared))

    # statements -------------------------------------------------------------------------------
    def block(self, block: N.Block) -> N.Block:
        out: list[N.Stmt] = []
        for stmt in block.body:
            out.extend(self.stmt(stmt))
        return block.replace(body=tuple(out))

    def stmt(self, s: N.Stmt) -> list[N.Stmt]:
        if isinstance(s, N.Block):
            return [self.block(s)]
        if isinstance(s, N.If):
            pre, cond = self.hoist(s.cond)
            return pre + [s.replace(cond=cond, then=self.block(s.then),
                                    other=self.block(s.other) if s.other else None)]
        if isinstance(s, (N.For, N.While, N.DoWhile)):
            self.no_calls(s.cond, "a loop condition")
            if isinstance(s, N.For):
                for part in s.step:
                    self.no_calls(part, "a loop step")
                init: list[N.Stmt] = []
                for part in s.init:
                    init += self.stmt(part)
                if len(init) != len(s.init):
                    return [N.Block(tuple(init[:-len(s.init)]) + (s.replace(init=tuple(init[-len(s.init):]), body=self.block(s.body)),), span=s.span)]
                return [s.replace(init=tuple(init), body=self.block(s.body))]
            return [s.replace(body=self.block(s.body))]
        if isinstance(s, N.Eval) and isinstance(s.expr, N.Call):
            pre, _ = self.expand(s.expr, want_value=False)
            return pre
        pre: list[N.Stmt] = []
        changes = {}
        for name in s.CHILDREN:
            value = getattr(s, name)
            if isinstance(value, N.Expr):
                more, changes[name] = self.hoist(value)
                pre += more
            elif isinstance(value, tuple) and value and isinstance(value[0], N.Expr):
                new = []
                for item in value:
                    more, item = self.hoist(item)
                    pre += more
                    new.append(item)
                changes[name] = tuple(new)
        return pre + [s.replace(**changes) if changes else s]

    def no_calls(self, node: N.Node | None, where: str) -> None:
        for n in walk(node):
            if isinstance(n, N.Call) and self.single_return(n) is None:
                raise Refusal("P0402", f"call of {n.callee} in {where}", n.span)

    # expressions ------------------------------------------------------------------------------
    def hoist(self, e: N.Expr) -> tuple[list[N.Stmt], N.Expr]:
        pre: list[N.Stmt] = []
        guarded = {id(n) for g in walk(e) if isinstance(g, N.Select) or
                   (isinstance(g, N.Binary) and g.op in ("&&", "||"))
                   for n in walk(g) if n is not g}

        def fn(node: N.Node) -> N.Node | None:
            if not isinstance(node, N.Call):
                return None
            expr = self.single_return(node)
            if expr is not None:
                return expr
            if id(node) in guarded:
                raise Refusal("P0402", f"call of {node.callee} under a conditional operator", node.span)
            more, value = self.expand(node, want_value=True)
            pre.extend(more)
            return value

        return pre, rewrite(e, fn)

    def callee(self, call: N.Call) -> Function:
        fn = self.module.function(call.callee, len(call.args))
        if fn is None or fn.body is None:
            raise Refusal("P0402", f"call of {call.callee}, whose body porter does not have", call.span)
        if fn.full_name in self.stack:
            raise Refusal("P0402", f"recursive call of {call.callee}", call.span)
        return fn

    def single_return(self, call: N.Call) -> N.Expr | None:
        fn = self.callee(call)
        body = fn.body.body
        if len(body) != 1 or not isinstance(body[0], N.Return) or body[0].value is None or fn.shared:
            return None
        if any(self.is_reference(p) for p in fn.params):
            return None
        bound = {p.name: _cast(a, p.type) for p, a in zip(fn.params, call.args)}
        self.stack.append(fn.full_name)
        try:
            value = rewrite(body[0].value, lambda n: bound.get(n.name) if isinstance(n, N.Var) else None)
            _, value = self.hoist(value)
        finally:
            self.stack.pop()
        return _cast(value, fn.ret)

    def is_reference(self, param) -> bool:
        text = self.text if param.span.file == self.module.name else header_text(param.span.file)
        return "&" in text[param.span.start:param.span.end]

    def expand(self, call: N.Call, want_value: bool) -> tuple[list[N.Stmt], N.Expr]:
        fn = self.callee(call)
        k = next(self.counter)
        suffix = f"_{fn.name}{k}"
        renames: dict[str, N.Expr] = {}
        pre: list[N.Stmt] = []
        for param, arg in zip(fn.params, call.args):
            if self.is_reference(param):
                if not isinstance(arg, N.Var):
                    raise Refusal("P0402", f"reference parameter {param.name} of {fn.name} bound to an "
                                  "expression that is not a variable", arg.span)
                renames[param.name] = arg
                continue
            local = param.name + suffix
            pre.append(N.Decl(local, param.type, _cast(arg, param.type), span=arg.span))
            renames[param.name] = N.Var(local, type=param.type, span=arg.span)
        for shared in fn.shared:
            if not any(s.name == shared.name + "_" + fn.name for s in self.shared):
                self.shared.append(SharedVar(shared.name + "_" + fn.name, shared.type, shared.span, shared.dynamic))
            renames[shared.name] = N.Var(shared.name + "_" + fn.name, type=shared.type, span=shared.span)
        for node in walk(fn.body):
            if isinstance(node, N.Decl) and node.name not in renames:
                renames[node.name] = N.Var(node.name + suffix, type=node.var_type, span=node.span)
        for node in walk(fn.body):
            if isinstance(node, N.Return) and _inside_loop(fn.body, node):
                raise Refusal("P0402", f"return inside a loop of device function {fn.name}", node.span)
        result = N.Var("ret" + suffix, type=fn.ret, span=call.span)
        done = N.Var("done" + suffix, type=T.BOOL, span=call.span)
        has_value = want_value and fn.ret != T.VOID

        def rename(node: N.Node) -> N.Node | None:
            if isinstance(node, N.Var) and node.name in renames:
                return renames[node.name]
            if isinstance(node, N.Decl) and node.name in renames:
                return node.replace(name=renames[node.name].name)
            return None

        body = rewrite(fn.body, rename)
        returns = any(isinstance(n, N.Return) for n in walk(body))
        if has_value:
            pre.append(N.Decl(result.name, fn.ret, None, span=call.span))
        if returns:
            pre.append(N.Decl(done.name, T.BOOL, N.Const(False, type=T.BOOL, span=call.span), span=call.span))
        self.stack.append(fn.full_name)
        try:
            body = self.block(body)
        finally:
            self.stack.pop()
        body = _lower_returns(body, result if has_value else None, done)
        pre.append(body)
        return pre, result


def _inside_loop(root: N.Node, target: N.Node) -> bool:
    for node in walk(root):
        if isinstance(node, (N.For, N.While, N.DoWhile)) and any(n is target for n in walk(node)):
            return True
    return False


def _cast(e: N.Expr, t: T.Type) -> N.Expr:
    if e.type == t or not isinstance(t, (T.Scalar, T.Pointer)):
        return e
    return N.Cast(e, "implicit", type=t, span=e.span)


def _lower_returns(block: N.Block, result: N.Var | None, done: N.Var) -> N.Block:
    """``return v`` -> ``result = v; done = true``, and what follows a returning statement guarded."""
    out: list[N.Stmt] = []
    body = list(block.body)
    for index, s in enumerate(body):
        if isinstance(s, N.Return):
            if result is not None and s.value is not None:
                out.append(N.Assign(result, _cast(s.value, result.type), span=s.span))
            out.append(N.Assign(done, N.Const(True, type=T.BOOL, span=s.span), span=s.span))
            break
        if not any(isinstance(n, N.Return) for n in walk(s)):
            out.append(s)
            continue
        out.append(_returns_in(s, result, done))
        rest = N.Block(tuple(body[index + 1:]), span=block.span)
        if rest.body:
            guard = N.Unary("!", done, type=T.BOOL, span=s.span)
            out.append(N.If(guard, _lower_returns(rest, result, done), span=s.span))
        break
    return block.replace(body=tuple(out))


def _returns_in(s: N.Stmt, result, done) -> N.Stmt:
    if isinstance(s, N.Block):
        return _lower_returns(s, result, done)
    if isinstance(s, N.If):
        return s.replace(then=_lower_returns(s.then, result, done),
                         other=_lower_returns(s.other, result, done) if s.other else None)
    raise Refusal("P0402", "return inside a construct porter cannot inline", s.span)
