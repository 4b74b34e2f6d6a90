"""The IR verifier: what every well-formed module satisfies, checked after frontends and passes.

It reports problems as P0308 diagnostics (``verify``) or raises (``check``, for tests and debug
mode). What it checks:

* every node carries a span;
* expression types agree with :mod:`porter.ir.build` (the one set of type rules) and references
  with their declarations;
* loads and stores index something indexable, assignments target locals;
* ``break``/``continue`` sit inside loops, ``return`` matches the function's result type;
* barriers sit in kernels and device functions only; kernels return void;
* calls name a function of the module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from porter import diagnostics
from porter.diagnostics import Diagnostic, Span
from porter.ir import build
from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.module import DEVICE, HOST_DEVICE, KERNEL, Function, Module

_DEVICE_KINDS = {KERNEL, DEVICE, HOST_DEVICE}
_LOOPS = (N.For, N.While, N.DoWhile)


class VerifierError(ValueError):
    def __init__(self, problems: list[Diagnostic]):
        super().__init__("\n".join(p.render() for p in problems))
        self.problems = problems


@dataclass
class _Context:
    module: Module
    function: Function
    scopes: list[dict[str, T.Type]] = field(default_factory=list)
    loops: int = 0
    problems: list[Diagnostic] = field(default_factory=list)

    def report(self, message: str, span: Span | None) -> None:
        where = f"in {self.function.full_name}: "
        self.problems.append(diagnostics.make("P0308", where + message, span if isinstance(span, Span) else None))

    def lookup(self, name: str) -> T.Type | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None


def verify(module: Module) -> list[Diagnostic]:
    """Every problem found in ``module`` (empty when it is well formed)."""
    problems: list[Diagnostic] = []
    for fn in module.functions:
        problems += verify_function(fn, module)
    return problems


def check(module: Module) -> Module:
    """``module`` unchanged, or :class:`VerifierError` listing its problems."""
    problems = verify(module)
    if problems:
        raise VerifierError(problems)
    return module


def verify_function(fn: Function, module: Module) -> list[Diagnostic]:
    ctx = _Context(module, fn)
    if fn.kind not in _DEVICE_KINDS:
        ctx.report(f"function kind {fn.kind!r} is not kernel/device/host_device", fn.span)
    if fn.kind == KERNEL and fn.ret != T.VOID:
        ctx.report(f"kernel returns {fn.ret}, not void", fn.span)
    outer: dict[str, T.Type] = {g.name: g.type for g in module.globals}
    outer.update({p.name: p.value_type or T.I32 for p in fn.template_params if p.kind == "value"})
    outer.update({s.name: s.type for s in fn.shared})
    outer.update({p.name: p.type for p in fn.params})
    ctx.scopes = [outer]
    if fn.body is None:
        return ctx.problems
    _stmt(ctx, fn.body)
    return ctx.problems


def _span_ok(ctx: _Context, node: N.Node) -> bool:
    if not isinstance(getattr(node, "span", None), Span):
        ctx.report(f"{type(node).__name__} has no span", None)
        return False
    return True


def _stmt(ctx: _Context, s: N.Stmt) -> None:
    _span_ok(ctx, s)
    match s:
        case N.Block():
            ctx.scopes.append({})
            for child in s.body:
                _stmt(ctx, child)
            ctx.scopes.pop()
        case N.If():
            _cond(ctx, s.cond)
            _stmt(ctx, s.then)
            if s.other is not None:
                _stmt(ctx, s.other)
        case N.For():
            ctx.scopes.append({})
            for child in s.init:
                _stmt(ctx, child)
            if s.cond is not None:
                _cond(ctx, s.cond)
            ctx.loops += 1
            _stmt(ctx, s.body)
            ctx.loops -= 1
            for child in s.step:
                _stmt(ctx, child)
            ctx.scopes.pop()
        case N.While() | N.DoWhile():
            _cond(ctx, s.cond)
            ctx.loops += 1
            _stmt(ctx, s.body)
            ctx.loops -= 1
        case N.Decl():
            if s.init is not None:
                _expr(ctx, s.init)
            ctx.scopes[-1][s.name] = s.var_type
        case N.Assign():
            if not (isinstance(s.target, N.Var) or (isinstance(s.target, N.Member) and isinstance(s.target.base, N.Var))):
                ctx.report("assignment to something that is not a local", s.span)
            _expr(ctx, s.target)
            _expr(ctx, s.value)
        case N.Store():
            _indexable(ctx, s.base, len(s.indices), s.span)
            for e in (s.base, *s.indices, s.value):
                _expr(ctx, e)
        case N.Eval():
            _expr(ctx, s.expr)
        case N.Barrier():
            if ctx.function.kind not in _DEVICE_KINDS:
                ctx.report(f"{s.name}() outside device code", s.span)
            for e in s.args:
                _expr(ctx, e)
        case N.Return():
            _return(ctx, s)
        case N.Break() | N.Continue():
            if ctx.loops == 0:
                ctx.report(f"{type(s).__name__.lower()} outside a loop", s.span)
        case N.OpaqueStmt():
            pass
        case _:
            ctx.report(f"unknown statement {type(s).__name__}", getattr(s, "span", None))


def _return(ctx: _Context, s: N.Return) -> None:
    ret = ctx.function.ret
    if s.value is None and ret != T.VOID and not isinstance(ret, (T.TypeParam, T.Named)):
        ctx.report(f"return without a value in a function returning {ret}", s.span)
    if s.value is not None:
        if ret == T.VOID and s.value.type != T.VOID:
            ctx.report("return with a value in a void function", s.span)
        _expr(ctx, s.value)


def _cond(ctx: _Context, e: N.Expr) -> None:
    _expr(ctx, e)
    if isinstance(e.type, (T.Array, T.Vector)) or e.type == T.VOID:
        ctx.report(f"condition of type {e.type}", e.span)


def _indexable(ctx: _Context, base: N.Expr, count: int, span: Span) -> None:
    t = base.type
    if isinstance(t, T.Array) and count > len(t.dims):
        ctx.report(f"{count} indices into {t}", span)
    elif not isinstance(t, (T.Pointer, T.Array, T.TypeParam, T.Named)):
        ctx.report(f"indexing a value of type {t}", span)


def _expr(ctx: _Context, e: N.Expr) -> None:
    if not _span_ok(ctx, e):
        return
    if not isinstance(e.type, T.Type):
        ctx.report(f"{type(e).__name__} has no type", e.span)
        return
    match e:
        case N.Var():
            declared = ctx.lookup(e.name)
            if declared is None and e.name not in ("threadIdx", "blockIdx", "blockDim", "gridDim"):
                ctx.report(f"`{e.name}` is not declared", e.span)
            elif declared is not None and declared != e.type:
                ctx.report(f"`{e.name}` has type {e.type} here but is declared {declared}", e.span)
        case N.Call():
            if ctx.module.function(e.callee, len(e.args)) is None:
                ctx.report(f"call of {e.callee}, which is not a function of the module", e.span)
        case N.Load():
            _indexable(ctx, e.base, len(e.indices), e.span)
    for child in e.children():
        _expr(ctx, child)
    expected = build.retype(e, None) if not isinstance(e, N.Member) else e.type
    if not isinstance(e, (N.Var, N.Const, N.Call, N.Cast, N.OpaqueExpr)) and expected != e.type:
        ctx.report(f"{type(e).__name__} has type {e.type}, its operands make it {expected}", e.span)
