"""A readable, stable text form of the IR, used by ``porter ir`` and by expected-output tests.

Expressions print C-like with minimal parentheses. ``types=True`` adds every expression's type
(``(a + b):u32``), which the differential test between the two frontends compares; ``spans=True``
adds each statement's ``@line:col``.
"""

from __future__ import annotations

import json
import math
import struct

from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.module import Function, GlobalVar, Module

_BINARY_PRECEDENCE = {
    "*": 13, "/": 13, "%": 13, "+": 12, "-": 12, "<<": 11, ">>": 11,
    "<": 10, "<=": 10, ">": 10, ">=": 10, "==": 9, "!=": 9,
    "&": 8, "^": 7, "|": 6, "&&": 5, "||": 4, ",": 1,
}
_UNARY = 14
_POSTFIX = 15
_SELECT = 3


def format_const(value: object, type_: T.Type) -> str:
    if value is None:
        return "nullptr"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, float):
        return _format_float(value, type_)
    suffix = {"u32": "u", "i64": "l", "u64": "ul"}.get(str(type_), "")
    return f"{value}{suffix}"


def _format_float(value: float, type_: T.Type) -> str:
    if math.isnan(value) or math.isinf(value):
        text = repr(value)
    elif str(type_) == "f32":
        text = _shortest_f32(value)
    else:
        text = repr(value)
    if "." not in text and "e" not in text and "n" not in text:
        text += ".0"
    return text + ("f" if str(type_) == "f32" else "")


def _shortest_f32(value: float) -> str:
    target = struct.pack("<f", value)
    for digits in range(1, 10):
        text = f"{value:.{digits}g}"
        try:
            if struct.pack("<f", float(text)) == target:
                return text
        except OverflowError:  # rounds past FLT_MAX
            continue
    return repr(value)


class Printer:
    def __init__(self, types: bool = False, spans: bool = False):
        self.types = types
        self.spans = spans

    # ------------------------------------------------------------------ expressions

    def expr(self, e: N.Expr | None, parent: int = 0) -> str:
        if e is None:
            return ""
        text, precedence = self._expr(e)
        if self.types and not isinstance(e, N.Const):
            text = f"({text}):{e.type}" if precedence < _POSTFIX else f"{text}:{e.type}"
            precedence = _POSTFIX
        return f"({text})" if precedence < parent else text

    def _expr(self, e: N.Expr) -> tuple[str, int]:
        match e:
            case N.Const():
                return format_const(e.value, e.type), _POSTFIX + 1
            case N.Var():
                return e.name, _POSTFIX + 1
            case N.Builtin():
                return e.text, _POSTFIX + 1
            case N.Binary():
                p = _BINARY_PRECEDENCE.get(e.op, 2)
                return f"{self.expr(e.lhs, p)} {e.op} {self.expr(e.rhs, p + 1)}", p
            case N.Unary():
                return f"{e.op}{self.expr(e.operand, _UNARY)}", _UNARY
            case N.Load():
                return self.expr(e.base, _POSTFIX) + "".join(f"[{self.expr(i)}]" for i in e.indices), _POSTFIX
            case N.Member():
                return f"{self.expr(e.base, _POSTFIX)}{'->' if e.arrow else '.'}{e.field}", _POSTFIX
            case N.Call():
                targs = f"<{', '.join(e.template_args)}>" if e.template_args else ""
                return f"{e.callee}{targs}({self._args(e.args)})", _POSTFIX
            case N.Intrinsic():
                return f"{e.name}({self._args(e.args)})", _POSTFIX
            case N.Cast():
                return f"{e.kind}cast<{e.type}>({self.expr(e.operand)})", _POSTFIX
            case N.Select():
                return (f"{self.expr(e.cond, _SELECT + 1)} ? {self.expr(e.then, _SELECT)} : "
                        f"{self.expr(e.other, _SELECT)}"), _SELECT
            case N.OpaqueExpr():
                return f"opaque[{e.reason}]({json.dumps(e.text)})", _POSTFIX
        return f"<{type(e).__name__}>", _POSTFIX

    def _args(self, args: tuple[N.Expr, ...]) -> str:
        return ", ".join(self.expr(a, 2) for a in args)

    # ------------------------------------------------------------------ statements

    def stmt_lines(self, s: N.Stmt, indent: int) -> list[str]:
        pad = "  " * indent
        at = f"  @{s.span.line}:{s.span.col}" if self.spans else ""
        match s:
            case N.Block():
                lines = [pad + "{" + at]
                for child in s.body:
                    lines += self.stmt_lines(child, indent + 1)
                return lines + [pad + "}"]
            case N.If():
                lines = [f"{pad}if ({self.expr(s.cond)}) {{{at}"]
                lines += self._body(s.then, indent)
                if s.other is not None:
                    lines.append(pad + "} else {")
                    lines += self._body(s.other, indent)
                return lines + [pad + "}"]
            case N.For():
                init = ", ".join(self.simple(x) for x in s.init)
                step = ", ".join(self.simple(x) for x in s.step)
                unroll = "" if s.unroll is None else f"#unroll{'(' + s.unroll + ')' if s.unroll else ''} "
                head = f"{pad}{unroll}for ({init}; {self.expr(s.cond)}; {step}) {{{at}"
                return [head, *self._body(s.body, indent), pad + "}"]
            case N.While():
                return [f"{pad}while ({self.expr(s.cond)}) {{{at}", *self._body(s.body, indent), pad + "}"]
            case N.DoWhile():
                return [f"{pad}do {{{at}", *self._body(s.body, indent), f"{pad}}} while ({self.expr(s.cond)})"]
        return [pad + self.simple(s) + at]

    def _body(self, block: N.Block, indent: int) -> list[str]:
        lines: list[str] = []
        for child in block.body:
            lines += self.stmt_lines(child, indent + 1)
        return lines

    def simple(self, s: N.Stmt) -> str:
        match s:
            case N.Decl():
                init = f" = {self.expr(s.init)}" if s.init is not None else ""
                return f"var {s.name}: {s.var_type}{init}"
            case N.Assign():
                return f"{self.expr(s.target)} {s.op or ''}= {self.expr(s.value)}"
            case N.Store():
                target = self.expr(s.base, _POSTFIX) + "".join(f"[{self.expr(i)}]" for i in s.indices)
                if s.field:
                    target += f".{s.field}"
                return f"{target} {s.op or ''}= {self.expr(s.value)}"
            case N.Eval():
                return self.expr(s.expr)
            case N.Barrier():
                return f"{s.name}({self._args(s.args)})"
            case N.Return():
                return "return" + (f" {self.expr(s.value)}" if s.value is not None else "")
            case N.Break():
                return "break"
            case N.Continue():
                return "continue"
            case N.OpaqueStmt():
                return f"opaque[{s.reason}] {json.dumps(s.text)}"
        return f"<{type(s).__name__}>"

    # ------------------------------------------------------------------ module

    def function(self, f: Function) -> str:
        tparams = ""
        if f.template_params:
            parts = [p.name if p.kind == "type" else f"{p.name}: {p.value_type}" for p in f.template_params]
            tparams = f" template<{', '.join(parts)}>"
        params = ", ".join(f"{p.name}: {p.type}" for p in f.params)
        head = f"{f.kind} {f.full_name}({params}) -> {f.ret}{tparams}"
        if f.launch_bounds is not None:
            lb = f.launch_bounds
            if lb.max_threads is None:
                head += f" launch_bounds({lb.text})"
            else:
                head += f" launch_bounds({lb.max_threads}" + (f", {lb.min_blocks})" if lb.min_blocks else ")")
        if f.attrs:
            head += " [" + ", ".join(f.attrs) + "]"
        if self.spans:
            head += f"  @{f.span.line}:{f.span.col}"
        if f.body is None:
            return head + ";"
        lines = [head + " {"]
        for var in f.shared:
            kind = "shared extern" if var.dynamic else "shared"
            lines.append(f"  {kind} {var.name}: {var.type}")
        for stmt in f.body.body:
            lines += self.stmt_lines(stmt, 1)
        lines.append("}")
        return "\n".join(lines)

    def global_var(self, g: GlobalVar) -> str:
        init = f" = {self.expr(g.init)}" if g.init is not None else ""
        return f"global {g.space} {g.name}: {g.type}{init}"

    def module(self, m: Module) -> str:
        parts = [f"module {m.name}"]
        parts += [self.global_var(g) for g in m.globals]
        for f in m.functions:
            parts.append("")
            parts.append(self.function(f))
        if m.launches:
            parts.append("")
        for launch in m.launches:
            targs = f"<{', '.join(launch.template_args)}>" if launch.template_args else ""
            parts.append(f"launch {launch.kernel}{targs}<<<{', '.join(launch.config)}>>>"
                         + (f"  @{launch.span.line}:{launch.span.col}" if self.spans else ""))
        if m.host:
            parts.append("")
            parts.append(f"host code: {len(m.host)} span(s), lines "
                         + ", ".join(f"{s.line}-{s.end_line}" for s in m.host))
        return "\n".join(parts) + "\n"


def print_module(module: Module, types: bool = False, spans: bool = False) -> str:
    return Printer(types, spans).module(module)


def print_function(function: Function, types: bool = False, spans: bool = False) -> str:
    return Printer(types, spans).function(function)


def print_expr(expr: N.Expr, types: bool = False) -> str:
    return Printer(types).expr(expr)


def print_stmt(stmt: N.Stmt) -> str:
    return "\n".join(Printer().stmt_lines(stmt, 0))
