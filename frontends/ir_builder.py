"""What both IR frontends share: scopes, name and call resolution, assignment lowering.

A frontend walks its own syntax tree (tree-sitter's or libclang's) and calls this builder for
every decision that is not about syntax: what a name refers to, whether a call is an intrinsic, a
barrier, a device function of the file or something unknown, how ``a[i] += x`` becomes a
``Store``. Doing these in one place is what makes the two frontends build the same IR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from porter import diagnostics
from porter.diagnostics import Diagnostic, Span
from porter.ir import build, intrinsics
from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.module import (
    DEVICE,
    Function,
    GlobalVar,
    Instantiation,
    Launch,
    Module,
    Param,
    SharedVar,
    TemplateParam,
)
from porter.source import SourceFile

BUILTIN_VARS = {"threadIdx": T.Named("uint3"), "blockIdx": T.Named("uint3"),
                "blockDim": T.Named("dim3"), "gridDim": T.Named("dim3")}
BARRIERS = {"__syncthreads": "block", "__syncwarp": "warp", "__barrier_sync": "block"}
CAST_NAMES = frozenset({"static_cast", "reinterpret_cast", "const_cast", "dynamic_cast"})
_PRAGMA_UNROLL = re.compile(rb"#\s*pragma\s+unroll\b[ \t]*\(?[ \t]*([^\s)]*)[ \t]*\)?[ \t]*$")


@dataclass
class Signature:
    """What a call needs to know about a function of the file before its body is built."""

    name: str
    kind: str
    ret: T.Type
    params: tuple[Param, ...]
    template_params: tuple[TemplateParam, ...] = ()
    span: Span | None = None


@dataclass
class FunctionState:
    kind: str
    template_params: tuple[TemplateParam, ...]
    shared: list[SharedVar] = field(default_factory=list)


class IRBuilder:
    def __init__(self, source: SourceFile, frontend: str):
        self.source = source
        self.frontend = frontend
        self.diagnostics: list[Diagnostic] = []
        self.structs: build.StructTable = {}
        self.signatures: dict[str, list[Signature]] = {}
        self.globals: dict[str, GlobalVar] = {}
        self.functions: list[Function] = []
        self.global_list: list[GlobalVar] = []
        self.host: list[Span] = []
        self.launches: list[Launch] = []
        self.instantiations: list[Instantiation] = []
        self.scopes: list[dict[str, T.Type]] = []
        self.fn: FunctionState | None = None

    # ------------------------------------------------------------------ diagnostics

    def diagnose(self, diag_id: str, message: str, span: Span | None) -> None:
        self.diagnostics.append(diagnostics.make(diag_id, message, span))

    def opaque_expr(self, text: str, reason: str, span: Span, message: str | None = None,
                    diag_id: str = "P0301", type_: T.Type = T.UNKNOWN) -> N.OpaqueExpr:
        self.diagnose(diag_id, message or f"porter does not model this {reason.replace('-', ' ')}", span)
        return N.OpaqueExpr(_squash(text), reason, type=type_, span=span)

    def opaque_stmt(self, text: str, reason: str, span: Span, message: str | None = None,
                    diag_id: str = "P0301") -> N.OpaqueStmt:
        self.diagnose(diag_id, message or f"porter does not model this {reason.replace('-', ' ')}", span)
        return N.OpaqueStmt(_squash(text), reason, span=span)

    # ------------------------------------------------------------------ scopes

    def begin_function(self, kind: str, template_params: tuple[TemplateParam, ...],
                       params: tuple[Param, ...]) -> None:
        self.fn = FunctionState(kind, template_params)
        self.scopes = [{p.name: p.type for p in params}]

    def end_function(self) -> tuple[SharedVar, ...]:
        shared = tuple(self.fn.shared) if self.fn else ()
        self.fn = None
        self.scopes = []
        return shared

    def push(self) -> None:
        self.scopes.append({})

    def pop(self) -> None:
        self.scopes.pop()

    def declare(self, name: str, type_: T.Type) -> None:
        if self.scopes:
            self.scopes[-1][name] = type_

    def add_shared(self, name: str, type_: T.Type, dynamic: bool, span: Span) -> None:
        if self.fn is not None:
            self.fn.shared.append(SharedVar(name, type_, span, dynamic))
        self.declare(name, type_)

    def lookup(self, name: str) -> T.Type | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        if name in self.globals:
            return self.globals[name].type
        if self.fn is not None:
            for param in self.fn.template_params:
                if param.name == name and param.kind == "value":
                    return param.value_type or T.I32
        return None

    def is_type_param(self, name: str) -> bool:
        return self.fn is not None and any(p.name == name and p.kind == "type"
                                           for p in self.fn.template_params)

    # ------------------------------------------------------------------ expressions

    def var(self, name: str, span: Span) -> N.Expr | None:
        """A reference to ``name``, or None when the name is not a variable in scope."""
        found = self.lookup(name)
        if found is not None:
            return N.Var(name, type=found, span=span)
        if name == "warpSize":
            return build.builtin("warpSize", "", span)
        if name in BUILTIN_VARS:
            return N.Var(name, type=BUILTIN_VARS[name], span=span)
        return None

    def member(self, base: N.Expr, name: str, arrow: bool, span: Span) -> N.Expr:
        if isinstance(base, N.Var) and base.name in BUILTIN_VARS and base.type == BUILTIN_VARS[base.name] \
                and name in ("x", "y", "z") and not arrow:
            return build.builtin(base.name, name, span)
        return build.member(base, name, arrow, span, self.structs)

    def call(self, name: str, args: tuple[N.Expr, ...], span: Span, text: str,
             template_args: tuple[str, ...] = ()) -> N.Expr:
        """A call by name: an intrinsic, a function of the file, or opaque (unknown callee)."""
        name = name.removeprefix("::").removeprefix("std::")
        info = intrinsics.lookup(name)
        if info is not None:
            return build.intrinsic(info, args, span)
        signature = self.signature(name, len(args))
        if signature is not None:
            ret = _call_result(signature, args, template_args)
            return N.Call(name, args, template_args, type=ret, span=span)
        return self.opaque_expr(text, "unknown-call", span,
                                f"call of `{name}`, which is not a device function of this file "
                                f"nor a CUDA built-in porter knows", diag_id="P0302")

    def signature(self, name: str, arity: int) -> Signature | None:
        candidates = self.signatures.get(name, [])
        exact = [s for s in candidates if len(s.params) == arity]
        return (exact or candidates or [None])[0]

    def call_stmt(self, name: str, args: tuple[N.Expr, ...], span: Span, text: str,
                  template_args: tuple[str, ...] = ()) -> N.Stmt:
        bare = name.removeprefix("::")
        if bare in BARRIERS:
            return N.Barrier(bare, BARRIERS[bare], args, span=span)
        expr = self.call(name, args, span, text, template_args)
        if isinstance(expr, N.OpaqueExpr):
            return N.OpaqueStmt(expr.text, expr.reason, span=span)
        return N.Eval(expr, span=span)

    def cast(self, target: T.Type, operand: N.Expr, kind: str, span: Span) -> N.Expr:
        return build.cast(target, operand, kind, span)

    # ------------------------------------------------------------------ statements

    def assign(self, target: N.Expr, op: str | None, value: N.Expr, span: Span, text: str) -> N.Stmt:
        """``target (op)= value`` as an Assign (locals) or a Store (memory)."""
        if isinstance(target, N.Var) or (isinstance(target, N.Member) and not target.arrow
                                         and isinstance(target.base, N.Var)):
            return N.Assign(target, value, op, span=span)
        if isinstance(target, N.Load):
            return N.Store(target.base, target.indices, value, op, span=span)
        if isinstance(target, N.Member) and isinstance(target.base, N.Load) and not target.arrow:
            return N.Store(target.base.base, target.base.indices, value, op, target.field, span=span)
        if isinstance(target, N.Member) and target.arrow:
            zero = build.const(0, T.I32, target.span)
            return N.Store(target.base, (zero,), value, op, target.field, span=span)
        return self.opaque_stmt(text, "assignment", span,
                                "assignment to something that is neither a variable nor memory")

    def increment(self, target: N.Expr, op: str, span: Span, text: str) -> N.Stmt:
        one = build.const(1, T.I32, span)
        return self.assign(target, "+" if op == "++" else "-", one, span, text)

    def side_effect(self, text: str, span: Span) -> N.OpaqueExpr:
        return self.opaque_expr(text, "side-effect", span,
                                "assignment or ++/-- inside an expression", diag_id="P0303")

    def unroll_before(self, start: int) -> str | None:
        """``#pragma unroll`` (its argument, or "") on the line before byte ``start``, else None."""
        data = self.source.data
        line_start = data.rfind(b"\n", 0, start) + 1
        if data[line_start:start].strip():
            return None
        end = line_start - 1
        while end > 0:
            begin = data.rfind(b"\n", 0, end) + 1
            line = data[begin:end].strip()
            if line:
                match = _PRAGMA_UNROLL.match(line)
                return match.group(1).decode() if match else None
            end = begin - 1
        return None

    # ------------------------------------------------------------------ module

    def add_signature(self, signature: Signature) -> None:
        existing = self.signatures.setdefault(signature.name, [])
        if not any(_param_types(s) == _param_types(signature) for s in existing):
            existing.append(signature)

    def declared_only(self) -> list[Function]:
        """Functions the file declares but does not define, as bodiless functions to link to."""
        defined = {(f.name, len(f.params)) for f in self.functions}
        out = []
        for name, signatures in self.signatures.items():
            for sig in signatures:
                if (name, len(sig.params)) not in defined and sig.span is not None:
                    out.append(Function(name, sig.kind, sig.params, sig.ret, None, sig.span,
                                        template_params=sig.template_params))
                    defined.add((name, len(sig.params)))
        return sorted(out, key=lambda f: f.span.start)

    def finish(self, name: str) -> Module:
        functions = tuple(self.functions) + tuple(self.declared_only())
        return Module(name, self.frontend, functions, tuple(self.global_list),
                      tuple(sorted(self.host, key=lambda s: s.start)), tuple(sorted(self.launches, key=_by_place)),
                      tuple(sorted(self.instantiations, key=_by_place)), tuple(self.diagnostics))


def _by_place(item) -> int:
    """Source order: the frontends find launches and instantiations in different orders."""
    return item.span.start


def _call_result(signature: Signature, args: tuple[N.Expr, ...], template_args: tuple[str, ...]) -> T.Type:
    ret = signature.ret
    if not T.has_type_param(ret):
        return ret
    mapping: dict[str, T.Type] = {}
    type_params = [p for p in signature.template_params if p.kind == "type"]
    for param, arg in zip(signature.template_params, template_args):
        if param.kind == "type":
            mapping[param.name] = intrinsics.parse_type_name(arg)
    for param, arg in zip(signature.params, args):
        _unify(param.type, arg.type, mapping)
    if not type_params:
        return ret
    return T.substitute(ret, mapping)


def _param_types(signature: Signature) -> tuple[T.Type, ...]:
    return tuple(p.type for p in signature.params)


def _unify(param: T.Type, arg: T.Type, mapping: dict[str, T.Type]) -> None:
    if isinstance(param, T.TypeParam) and param.name not in mapping and arg != T.UNKNOWN:
        mapping[param.name] = arg
    elif isinstance(param, T.Pointer) and isinstance(arg, (T.Pointer, T.Array)):
        _unify(param.pointee, T.element_type(arg), mapping)


def _squash(text: str) -> str:
    """Source text of an opaque node on one line, as both frontends see it."""
    return " ".join(text.split())


def default_kind(has_global: bool, has_device: bool, has_host: bool) -> str | None:
    if has_global:
        return "kernel"
    if has_device and has_host:
        return "host_device"
    if has_device:
        return DEVICE
    return None


def string_value(text: str) -> str:
    """The value of a C string literal's spelling (quotes and escapes read)."""
    body = text
    if body.startswith(("L", "u8", "u", "U")) and '"' in body:
        body = body[body.index('"'):]
    body = body[1:-1] if len(body) >= 2 else body
    try:
        return body.encode("latin-1", errors="backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:
        return body
