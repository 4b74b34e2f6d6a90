"""Statements and expressions of the libclang IR frontend (mixed into ``ClangIR``).

clang's implicit nodes (implicit casts, temporaries, copy constructions) are looked through:
the IR has explicit casts only, and :mod:`porter.ir.build` types every expression, exactly as in
the tree-sitter frontend.
"""

from __future__ import annotations

import functools
import re

from porter.frontends import clang_api as api
from porter.frontends.ir_builder import CAST_NAMES, string_value

from porter import limits
from porter.ir import build, cnames
from porter.ir import nodes as N
from porter.ir import types as T

_ASSIGN = {"=": None, "+=": "+", "-=": "-", "*=": "*", "/=": "/", "%=": "%", "&=": "&", "|=": "|",
           "^=": "^", "<<=": "<<", ">>=": ">>"}
_OPAQUE_STMTS = {"SWITCH_STMT": "switch", "GOTO_STMT": "goto", "INDIRECT_GOTO_STMT": "goto",
                 "LABEL_STMT": "label", "CXX_FOR_RANGE_STMT": "range-for", "CXX_TRY_STMT": "try",
                 "CXX_THROW_EXPR": "throw"}
_CASTS = {"CSTYLE_CAST_EXPR": "c", "CXX_FUNCTIONAL_CAST_EXPR": "func", "CXX_STATIC_CAST_EXPR": "static",
          "CXX_REINTERPRET_CAST_EXPR": "reinterpret", "CXX_CONST_CAST_EXPR": "const",
          "CXX_DYNAMIC_CAST_EXPR": "dynamic"}
_NUMBER = re.compile(rb"[0-9.][0-9a-zA-Z_.']*(?:(?<=[eEpP])[-+][0-9a-zA-Z_.']+)*")


class TooDeep(Exception):
    """The walk of clang's tree went past :data:`porter.limits.MAX_CLANG_DEPTH` at ``span``."""

    def __init__(self, span) -> None:
        super().__init__("code nested too deeply")
        self.span = span


def _bounded(method):
    """``method`` (a step of the recursive walk) counting the walk's depth: past
    :data:`porter.limits.MAX_CLANG_DEPTH` it raises :class:`TooDeep` at the cursor, long before
    Python's recursion limit, so no ``RecursionError`` is ever raised inside a libclang callback
    (``get_children``'s visitor), which would swallow it and return a partial list."""

    @functools.wraps(method)
    def step(self, cursor):
        depth = self.depth
        if depth >= limits.MAX_CLANG_DEPTH:
            raise TooDeep(self.span(cursor))
        self.depth = depth + 1
        try:
            return method(self, cursor)
        finally:
            self.depth = depth

    return step


def _kids(cursor) -> list:
    return api.children(cursor)


def operator_name(cursor) -> str | None:
    """``"+="`` for an overloaded (or, in a template, dependent) operator call, else None."""
    if cursor.kind.name != "CALL_EXPR":
        return None
    if cursor.spelling.startswith("operator"):
        return cursor.spelling[len("operator"):]
    for child in api.children(cursor):
        ref = api.callee_ref(child)
        if ref is not None and ref.spelling.startswith("operator"):
            return ref.spelling[len("operator"):]
    return None


class ClangBodyBuilder:
    # ------------------------------------------------------------------ statements

    def block(self, cursor) -> N.Block:
        self.b.push()
        body: list[N.Stmt] = []
        for child in _kids(cursor):
            body.extend(self.stmt(child))
        self.b.pop()
        return N.Block(tuple(body), span=self.span(cursor))

    def as_block(self, cursor) -> N.Block:
        if cursor.kind.name == "COMPOUND_STMT":
            return self.block(cursor)
        self.b.push()
        body = self.stmt(cursor)
        self.b.pop()
        return N.Block(tuple(body), span=self.span(cursor))

    @_bounded
    def stmt(self, cursor) -> list[N.Stmt]:
        kind = cursor.kind.name
        span = self.span(cursor)
        if kind == "COMPOUND_STMT":
            return [self.block(cursor)]
        if kind == "NULL_STMT":
            return []
        if kind == "DECL_STMT":
            return self.decl_stmt(cursor)
        if kind == "IF_STMT":
            return [self.if_stmt(cursor)]
        if kind == "FOR_STMT":
            return [self.for_stmt(cursor)]
        if kind == "WHILE_STMT":
            cond, body = _kids(cursor)[-2:]
            return [N.While(self.expr(cond), self.as_block(body), span=span)]
        if kind == "DO_STMT":
            body, cond = _kids(cursor)[:2]
            return [N.DoWhile(self.as_block(body), self.expr(cond), span=span)]
        if kind == "RETURN_STMT":
            kids = _kids(cursor)
            return [N.Return(self.expr(kids[0]) if kids else None, span=span)]
        if kind == "BREAK_STMT":
            return [N.Break(span=span)]
        if kind == "CONTINUE_STMT":
            return [N.Continue(span=span)]
        if kind in ("ASM_STMT", "MS_ASM_STMT"):
            return [self.b.opaque_stmt(self.text(cursor), "inline-asm", span, "inline PTX assembly")]
        if kind in _OPAQUE_STMTS:
            return [self.b.opaque_stmt(self.text(cursor), _OPAQUE_STMTS[kind], span)]
        if kind == "UNEXPOSED_STMT":  # AttributedStmt: #pragma unroll, [[likely]]...
            kids = _kids(cursor)
            return self.stmt(kids[-1]) if kids else []
        if kind.endswith(("_EXPR", "_OPERATOR", "_LITERAL")):
            return self.effect(cursor)
        return [self.b.opaque_stmt(self.text(cursor), kind.lower().replace("_", "-"), span)]

    @_bounded
    def effect(self, cursor) -> list[N.Stmt]:
        """An expression evaluated as a statement."""
        kind = cursor.kind.name
        span = self.span(cursor)
        text = self.text(cursor)
        if kind in ("PAREN_EXPR", "UNEXPOSED_EXPR") and len(_kids(cursor)) == 1 and not self.is_call_like(cursor):
            return self.effect(_kids(cursor)[0])
        if kind in ("BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR"):
            op = api.binary_op(cursor)
            lhs, rhs = _kids(cursor)[:2]
            if op == ",":
                return self.effect(lhs) + self.effect(rhs)
            if op in _ASSIGN:
                return [self.b.assign(self.expr(lhs), _ASSIGN[op], self.expr(rhs), span, text)]
        if kind == "UNARY_OPERATOR":
            op = api.unary_op(cursor)
            if op in ("post++", "post--", "pre++", "pre--"):
                return [self.b.increment(self.expr(_kids(cursor)[0]), op[-2:], span, text)]
        op = operator_name(cursor)
        if op is not None:
            args = self.operator_args(cursor)
            if op in _ASSIGN and len(args) == 2:
                return [self.b.assign(self.expr(args[0]), _ASSIGN[op], self.expr(args[1]), span, text)]
            if op in ("++", "--") and args:
                return [self.b.increment(self.expr(args[0]), op, span, text)]
        if self.is_call_like(cursor):
            return self.call_stmt(cursor)
        expr = self.expr(cursor)
        if isinstance(expr, N.OpaqueExpr):
            return [N.OpaqueStmt(expr.text, expr.reason, span=span)]
        return [N.Eval(expr, span=span)]

    def is_call_like(self, cursor) -> bool:
        kind = cursor.kind.name
        if kind == "CALL_EXPR":
            return operator_name(cursor) is None and not self.is_constructor(cursor)
        if kind == "UNEXPOSED_EXPR":  # a call clang could not resolve (unknown or dependent callee)
            kids = _kids(cursor)
            return len(kids) >= 1 and api.callee_ref(kids[0]) is not None \
                and api.callee_ref(kids[0]).kind.name == "OVERLOADED_DECL_REF" and "(" in self.text(cursor)
        return False

    def call_stmt(self, cursor) -> list[N.Stmt]:
        span = self.span(cursor)
        kids = _kids(cursor)
        ref = api.callee_ref(kids[0]) if kids else None
        if ref is not None and ref.kind.name == "MEMBER_REF_EXPR" and ref.spelling == "sync":
            base = _kids(ref)
            base_type = self.expr(base[0]).type if base else None
            if isinstance(base_type, T.Named) and "thread_block" in base_type.name and "tile" not in base_type.name:
                return [N.Barrier("__syncthreads", "block", (), span=span)]
        name, targs = self.callee_name(cursor)
        if name is None or (ref is not None and ref.kind.name == "MEMBER_REF_EXPR"):
            expr = self.expr(cursor)
            if isinstance(expr, N.OpaqueExpr):
                return [N.OpaqueStmt(expr.text, expr.reason, span=span)]
            return [N.Eval(expr, span=span)]
        return [self.b.call_stmt(name, self.call_args(cursor), span, self.text(cursor), targs)]

    def decl_stmt(self, cursor) -> list[N.Stmt]:
        out: list[N.Stmt] = []
        decls = [c for c in _kids(cursor) if c.kind.name == "VAR_DECL"]
        for child in _kids(cursor):
            kind = child.kind.name
            if kind in ("STRUCT_DECL", "TYPEDEF_DECL", "TYPE_ALIAS_DECL", "CLASS_DECL"):
                self.collect(child)
                continue
            if kind != "VAR_DECL":
                continue
            attrs = {c.kind.name for c in _kids(child)}
            if "CUDASHARED_ATTR" in attrs:
                dynamic = child.storage_class.name == "EXTERN"
                self.b.add_shared(child.spelling, self.ctype(child.type), dynamic, self.span(cursor))
                continue
            init_cursor = api.var_init(child)
            init = self.initializer(init_cursor) if init_cursor is not None else None
            type_ = self.decl_type(child, init)
            self.b.declare(child.spelling, type_)
            span = self.span(child) if len(decls) > 1 else self.span(cursor)
            out.append(N.Decl(child.spelling, type_, init, span=span))
        return out

    def initializer(self, cursor) -> N.Expr | None:
        kind = cursor.kind.name
        if kind == "INIT_LIST_EXPR":
            items = tuple(self.expr(c) for c in _kids(cursor))
            return N.Intrinsic("init_list", items, "vector", type=self.ctype(cursor.type), span=self.span(cursor))
        if kind == "CALL_EXPR" and self.is_constructor(cursor):
            args = self.call_args(cursor)
            if not args:
                return None
            if len(args) == 1:
                return args[0]
        return self.expr(cursor)

    def if_stmt(self, cursor) -> N.If:
        kids = _kids(cursor)
        cond = self.expr(kids[0])
        then = self.as_block(kids[1]) if len(kids) > 1 else N.Block((), span=self.span(cursor))
        other = self.as_block(kids[2]) if len(kids) > 2 else None
        return N.If(cond, then, other, span=self.span(cursor))

    def for_stmt(self, cursor) -> N.For:
        """Which children are init, condition and step: by their place between the semicolons."""
        kids = _kids(cursor)
        body_cursor = kids[-1]
        start, _ = self.offsets(cursor)
        head_end = self.offsets(body_cursor)[0]
        head = self.source.data[start:head_end]
        semis = _header_semicolons(head)
        self.b.push()
        init: list[N.Stmt] = []
        cond = None
        step: list[N.Stmt] = []
        for child, part in zip(kids[:-1], self.for_parts(kids[:-1], semis, start)):
            if part == "init":
                init += self.decl_stmt(child) if child.kind.name == "DECL_STMT" else self.effect(child)
            elif part == "cond":
                cond = self.expr(child)
            else:
                step += self.effect(child)
        body = self.as_block(body_cursor)
        self.b.pop()
        unroll = self.b.unroll_before(self.offsets(cursor)[0])
        return N.For(tuple(init), cond, tuple(step), body, unroll, span=self.span(cursor))

    def for_parts(self, heads: list, semis: list[int], start: int) -> list[str]:
        if len(semis) == 2:
            parts = []
            for child in heads:
                where = self.offsets(child)[0] - start
                parts.append("init" if where < semis[0] else "cond" if where < semis[1] else "step")
            return parts
        # the header comes from a macro: guess from the kinds of what is there
        if len(heads) == 3:
            return ["init", "cond", "step"]
        parts = []
        for index, child in enumerate(heads):
            if index == 0 and (child.kind.name == "DECL_STMT" or len(heads) == 2 and child.type.kind.name != "BOOL"):
                parts.append("init")
            elif child.type.kind.name == "BOOL" and "cond" not in parts:
                parts.append("cond")
            else:
                parts.append("step")
        return parts

    # ------------------------------------------------------------------ expressions

    @_bounded
    def expr(self, cursor) -> N.Expr:
        kind = cursor.kind.name
        handler = getattr(self, f"expr_{kind.lower()}", None)
        if handler is not None:
            return handler(cursor)
        if kind in _CASTS:
            return self.cast_expr(cursor, _CASTS[kind])
        if kind in ("BINARY_OPERATOR", "COMPOUND_ASSIGNMENT_OPERATOR"):
            return self.binary_expr(cursor)
        return self.b.opaque_expr(self.text(cursor), kind.lower().replace("_", "-"), self.span(cursor))

    def expr_unexposed_expr(self, cursor) -> N.Expr:
        kids = _kids(cursor)
        if self.is_call_like(cursor):
            return self.call_expr(cursor)
        if len(kids) == 1:
            return self.expr(kids[0])
        return self.b.opaque_expr(self.text(cursor), "expression", self.span(cursor),
                                  "expression clang could not type")

    def expr_paren_expr(self, cursor) -> N.Expr:
        return self.expr(_kids(cursor)[0])

    def expr_decl_ref_expr(self, cursor) -> N.Expr:
        name = cursor.spelling
        span = self.span(cursor)
        found = self.b.var(name, span)
        if found is not None:
            return found
        target = cursor.referenced
        if target is not None and target.kind.name == "ENUM_CONSTANT_DECL":
            return build.const(target.enum_value, T.I32, span)
        return self.b.opaque_expr(self.text(cursor), "unknown-name", span,
                                  f"`{self.text(cursor)}` is not declared in this file")

    def expr_member_ref_expr(self, cursor) -> N.Expr:
        kids = _kids(cursor)
        if not kids:
            return self.b.opaque_expr(self.text(cursor), "member-of-this", self.span(cursor))
        base = self.expr(kids[0])
        arrow = T.is_pointerlike(base.type)
        return self.b.member(base, cursor.spelling, arrow, self.span(cursor))

    def expr_array_subscript_expr(self, cursor) -> N.Expr:
        base, index = _kids(cursor)[:2]
        return build.load(self.expr(base), (self.expr(index),), self.span(cursor))

    def binary_expr(self, cursor) -> N.Expr:
        op = api.binary_op(cursor)
        if op in _ASSIGN:
            return self.b.side_effect(self.text(cursor), self.span(cursor))
        lhs, rhs = _kids(cursor)[:2]
        return build.binary(op, self.expr(lhs), self.expr(rhs), self.span(cursor))

    def expr_unary_operator(self, cursor) -> N.Expr:
        op = api.unary_op(cursor)
        span = self.span(cursor)
        operand = _kids(cursor)[0]
        if op is None or op.startswith(("post", "pre")):
            return self.b.side_effect(self.text(cursor), span)
        if op == "*":
            return build.load(self.expr(operand), (build.const(0, T.I32, span),), span)
        return build.unary(op, self.expr(operand), span)

    def expr_conditional_operator(self, cursor) -> N.Expr:
        cond, then, other = _kids(cursor)[:3]
        return build.select(self.expr(cond), self.expr(then), self.expr(other), self.span(cursor))

    def cast_expr(self, cursor, kind: str) -> N.Expr:
        operands = [c for c in _kids(cursor) if c.kind.name not in ("TYPE_REF", "TEMPLATE_REF", "NAMESPACE_REF")]
        if len(operands) != 1:
            return self.b.opaque_expr(self.text(cursor), "cast", self.span(cursor))
        target = self.ctype(cursor.type)
        return self.b.cast(target, self.expr(operands[0]), kind, self.span(cursor))

    # literals ------------------------------------------------------------------

    def literal_text(self, cursor) -> str | None:
        """The literal's spelling when it is in the file, None when it comes from a macro."""
        start, end = self.offsets(cursor)
        match = _NUMBER.fullmatch(self.source.data[start:end])
        return match.group(0).decode() if match else None

    def number(self, cursor) -> N.Expr:
        text = self.literal_text(cursor)
        parsed = cnames.literal(text) if text is not None else None
        if parsed is not None:
            return build.const(parsed[0], parsed[1], self.span(cursor))
        value = api.evaluate(cursor)  # a literal from a macro: clang's value is exact
        if value is None:
            return self.b.opaque_expr(self.text(cursor), "literal", self.span(cursor))
        return build.const(value, self.ctype(cursor.type), self.span(cursor))

    expr_integer_literal = number
    expr_floating_literal = number

    def expr_cxx_bool_literal_expr(self, cursor) -> N.Expr:
        return build.const(api.evaluate_int(cursor) == 1, T.BOOL, self.span(cursor))

    def expr_cxx_null_ptr_literal_expr(self, cursor) -> N.Expr:
        return build.const(None, T.Pointer(T.VOID), self.span(cursor))

    expr_gnu_null_expr = expr_cxx_null_ptr_literal_expr

    def expr_string_literal(self, cursor) -> N.Expr:
        return build.const(string_value(cursor.spelling), T.Pointer(T.Scalar("i8"), const=True), self.span(cursor))

    def expr_character_literal(self, cursor) -> N.Expr:
        return build.const(api.evaluate_int(cursor) or 0, T.Scalar("i8"), self.span(cursor))

    def expr_cxx_unary_expr(self, cursor) -> N.Expr:
        span = self.span(cursor)
        if not self.text(cursor).startswith("sizeof"):
            return self.b.opaque_expr(self.text(cursor), "alignof", span)
        kids = _kids(cursor)
        measured = None
        if kids and kids[0].kind.name == "TYPE_REF":
            measured = self.ctype(kids[0].type)
        elif kids:
            measured = self.expr(kids[0]).type
        else:
            inner = self.text(cursor)[len("sizeof"):].strip().removeprefix("(").removesuffix(")")
            measured = cnames.scalar_type(inner)
        if measured is None or measured.size is None or isinstance(measured, T.Named):
            return self.b.opaque_expr(self.text(cursor), "sizeof", span,
                                      "sizeof of a type porter does not know the size of")
        return build.const(measured.size, T.U64, span)

    def expr_init_list_expr(self, cursor) -> N.Expr:
        return self.initializer(cursor)

    def expr_lambda_expr(self, cursor) -> N.Expr:
        return self.b.opaque_expr(self.text(cursor), "lambda", self.span(cursor))

    # calls -----------------------------------------------------------------------

    def is_constructor(self, cursor) -> bool:
        target = cursor.referenced
        return target is not None and target.kind.name == "CONSTRUCTOR"

    def expr_call_expr(self, cursor) -> N.Expr:
        span = self.span(cursor)
        if operator_name(cursor) is not None:
            return self.operator_call(cursor)
        if self.is_constructor(cursor):
            args = self.call_args(cursor)
            if len(args) == 1:
                return args[0]
            return self.b.opaque_expr(self.text(cursor), "constructor", span, "constructor call")
        kids = _kids(cursor)
        if kids and kids[0].kind.name == "TYPE_REF":  # T(x) in a template
            args = [self.expr(k) for k in kids[1:]]
            target = self.ctype(kids[0].type)
            if len(args) == 1:
                return self.b.cast(target, args[0], "func", span)
            if not args and T.is_arith(target):
                return build.const(0.0 if T.is_float(target) else 0, target, span)
            return self.b.opaque_expr(self.text(cursor), "constructor", span, "constructor call")
        return self.call_expr(cursor)

    def call_expr(self, cursor) -> N.Expr:
        span = self.span(cursor)
        kids = _kids(cursor)
        ref = api.callee_ref(kids[0]) if kids else None
        if ref is not None and ref.kind.name == "MEMBER_REF_EXPR":
            return self.b.opaque_expr(self.text(cursor), "method-call", span, "method call on an object")
        name, targs = self.callee_name(cursor)
        if name is None:
            return self.b.opaque_expr(self.text(cursor), "call", span)
        if name in CAST_NAMES:
            return self.b.opaque_expr(self.text(cursor), "cast", span)
        return self.b.call(name, self.call_args(cursor), span, self.text(cursor), targs)

    def callee_name(self, cursor) -> tuple[str | None, tuple[str, ...]]:
        kids = _kids(cursor)
        ref = api.callee_ref(kids[0]) if kids else None
        if ref is None:
            return None, ()
        name = ref.spelling
        text = self.text(kids[0])
        targs: tuple[str, ...] = ()
        if "<" in text and ref.kind.name in ("DECL_REF_EXPR", "OVERLOADED_DECL_REF"):
            inner = text[text.find("<") + 1:text.rfind(">")]
            from porter.frontends.clang_ir import _split_top

            targs = tuple(self.template_arg_text(a) for a in _split_top(inner))
        if ref.kind.name == "DECL_REF_EXPR" and not text.startswith(name):
            qualifier = text.split("<", 1)[0]
            if "::" in qualifier:
                name = qualifier.strip()
        return name, targs

    def call_args(self, cursor) -> tuple[N.Expr, ...]:
        kids = _kids(cursor)
        if not self.is_constructor(cursor) and kids and api.callee_ref(kids[0]) is not None:
            kids = kids[1:]
        return tuple(self.expr(k) for k in kids if self.offsets(k)[1] > self.offsets(k)[0])

    def operator_args(self, cursor) -> list:
        name = "operator" + (operator_name(cursor) or "")
        return [k for k in _kids(cursor)
                if not (api.callee_ref(k) is not None and api.callee_ref(k).spelling == name)]

    def operator_call(self, cursor) -> N.Expr:
        op = operator_name(cursor) or ""
        args = self.operator_args(cursor)
        span = self.span(cursor)
        if op in _ASSIGN or op in ("++", "--"):
            return self.b.side_effect(self.text(cursor), span)
        if len(args) == 2:
            return build.binary(op, self.expr(args[0]), self.expr(args[1]), span)
        if len(args) == 1 and op in ("-", "+", "!", "~"):
            return build.unary(op, self.expr(args[0]), span)
        return self.b.opaque_expr(self.text(cursor), "operator-call", span)


def _header_semicolons(head: bytes) -> list[int]:
    """Offsets of the two ``;`` of a ``for (init; cond; step)`` header, at paren depth 1."""
    found = []
    depth = 0
    for index, byte in enumerate(head):
        char = chr(byte)
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == ";" and depth == 1:
            found.append(index)
    return found[:2]
