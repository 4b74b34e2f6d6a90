"""Statements and expressions of the tree-sitter IR frontend (mixed into ``TreeSitterIR``)."""

from __future__ import annotations

import re
from contextlib import contextmanager

from porter.frontends.ir_builder import CAST_NAMES, string_value
from porter.frontends.treesitter import Node, parse_bytes

from porter.diagnostics import Span
from porter.ir import build, cnames
from porter.ir import nodes as N
from porter.ir import types as T

_ASSIGN_OPS = {"=": None, "+=": "+", "-=": "-", "*=": "*", "/=": "/", "%=": "%", "&=": "&",
               "|=": "|", "^=": "^", "<<=": "<<", ">>=": ">>"}
_OPAQUE_STMTS = {"switch_statement": "switch", "goto_statement": "goto", "labeled_statement": "label",
                 "for_range_loop": "range-for", "try_statement": "try", "throw_statement": "throw",
                 "co_return_statement": "coroutine", "co_yield_statement": "coroutine"}
_TYPE_NODES = {"primitive_type", "sized_type_specifier", "type_identifier"}


class BodyBuilder:
    """Needs from its host: ``b`` (IRBuilder), ``text``, ``span``, ``macros``, ``data``,
    ``override``, ``expanding``, ``active_children``, ``declared_type``, ``type_descriptor``,
    ``named_type``, ``template_args``, ``specifier_words``."""

    # ------------------------------------------------------------------ statements

    def block(self, node: Node) -> N.Block:
        self.b.push()
        body: list[N.Stmt] = []
        for child in self.active_children(node):
            body.extend(self.stmt(child))
        self.b.pop()
        return N.Block(tuple(body), span=self.span(node))

    def as_block(self, node: Node | None) -> N.Block:
        if node is None:
            return N.Block((), span=self.override or self.source.span(0, 0))
        if node.type == "compound_statement":
            return self.block(node)
        self.b.push()
        body = self.stmt(node)
        self.b.pop()
        return N.Block(tuple(body), span=self.span(node))

    def stmt(self, node: Node) -> list[N.Stmt]:
        kind = node.type
        invocation = self.leading_macro(node)
        if invocation is not None:
            return self.expand_stmt(invocation[0], invocation[1], self.span(node))
        handler = getattr(self, f"stmt_{kind}", None)
        if handler is not None:
            return handler(node)
        if kind in _OPAQUE_STMTS:
            return [self.b.opaque_stmt(self.text(node), _OPAQUE_STMTS[kind], self.span(node))]
        if kind in ("comment", ";", "type_definition", "struct_specifier", "empty_statement"):
            if kind == "type_definition":
                self.typedef(node)
            return []
        if kind == "ERROR":
            return [self.b.opaque_stmt(self.text(node), "syntax-error", self.span(node),
                                       "device code here does not parse", diag_id="P0305")]
        return [self.b.opaque_stmt(self.text(node), kind.replace("_", "-"), self.span(node))]

    def stmt_compound_statement(self, node: Node) -> list[N.Stmt]:
        return [self.block(node)]

    def stmt_expression_statement(self, node: Node) -> list[N.Stmt]:
        inner = next((c for c in node.children if c.is_named and c.type != "comment"), None)
        if inner is None:
            return []
        return self.effect(inner)

    def effect(self, node: Node) -> list[N.Stmt]:
        """An expression evaluated as a statement."""
        kind = node.type
        span = self.span(node)
        if kind == "parenthesized_expression":
            inner = _only_named(node)
            return self.effect(inner) if inner is not None else []
        if kind == "assignment_expression":
            op = self.text(node.child_by_field_name("operator"))
            target = self.expr(node.child_by_field_name("left"))
            value = self.expr(node.child_by_field_name("right"))
            return [self.b.assign(target, _ASSIGN_OPS.get(op), value, span, self.text(node))]
        if kind == "update_expression":
            op = self.text(node.child_by_field_name("operator"))
            target = self.expr(node.child_by_field_name("argument"))
            return [self.b.increment(target, op, span, self.text(node))]
        if kind == "comma_expression":
            return self.effect(node.child_by_field_name("left")) + self.effect(node.child_by_field_name("right"))
        if kind == "gnu_asm_expression":
            return [self.b.opaque_stmt(self.text(node), "inline-asm", span, "inline PTX assembly")]
        if kind == "call_expression":
            return self.call_stmt(node)
        if kind == "identifier" and self.is_macro_use(node):
            return self.expand_stmt(self.text(node), self.macros[self.text(node)].body, span)
        expr = self.expr(node)
        if isinstance(expr, N.OpaqueExpr):
            return [N.OpaqueStmt(expr.text, expr.reason, span=span)]
        return [N.Eval(expr, span=span)]

    def call_stmt(self, node: Node) -> list[N.Stmt]:
        function = node.child_by_field_name("function")
        span = self.span(node)
        if function.type == "identifier":
            name = self.text(function)
            macro = self.function_macro(name)
            if macro is not None:
                return self.expand_stmt(name, self.substitute(macro, node), span)
            args = self.args(node)
            return [self.b.call_stmt(name, args, span, self.text(node))]
        if function.type == "field_expression" and self.text(function.child_by_field_name("field")) == "sync":
            base = function.child_by_field_name("argument")
            base_type = self.b.lookup(self.text(base)) if base.type == "identifier" else None
            if isinstance(base_type, T.Named) and "thread_block" in base_type.name and "tile" not in base_type.name:
                return [N.Barrier("__syncthreads", "block", (), span=span)]
        expr = self.expr(node)
        if isinstance(expr, N.OpaqueExpr):
            return [N.OpaqueStmt(expr.text, expr.reason, span=span)]
        return [N.Eval(expr, span=span)]

    def stmt_declaration(self, node: Node) -> list[N.Stmt]:
        words = self.specifier_words(node)
        out: list[N.Stmt] = []
        for declarator in node.children_by_field_name("declarator"):
            name, type_ = self.declared_type(node, declarator)
            if not name:
                continue
            span = self.span(declarator) if len(node.children_by_field_name("declarator")) > 1 else self.span(node)
            if "__shared__" in words:
                self.b.add_shared(name, type_ or T.UNKNOWN, "extern" in words, self.span(node))
                continue
            value = declarator.child_by_field_name("value") if declarator.type == "init_declarator" else None
            init = self.initializer(value, type_) if value is not None else None
            if type_ is None:
                type_ = init.type if init is not None else T.UNKNOWN
            self.b.declare(name, type_)
            out.append(N.Decl(name, type_, init, span=span))
        return out

    def initializer(self, node: Node, type_: T.Type | None) -> N.Expr:
        if node.type == "initializer_list":
            items = tuple(self.expr(c) for c in node.children if c.is_named and c.type != "comment")
            return N.Intrinsic("init_list", items, "vector", type=type_ or T.UNKNOWN, span=self.span(node))
        if node.type == "argument_list":  # T x(1);
            items = tuple(self.expr(c) for c in node.children if c.is_named and c.type != "comment")
            if len(items) == 1:
                return items[0]
            return N.Intrinsic("init_list", items, "vector", type=type_ or T.UNKNOWN, span=self.span(node))
        return self.expr(node)

    def stmt_if_statement(self, node: Node) -> list[N.Stmt]:
        cond = self.condition(node.child_by_field_name("condition"))
        then = self.as_block(node.child_by_field_name("consequence"))
        alternative = node.child_by_field_name("alternative")
        other = None
        if alternative is not None:
            inner = next((c for c in alternative.children if c.is_named and c.type != "comment"), None)
            other = self.as_block(inner)
        return [N.If(cond, then, other, span=self.span(node))]

    def condition(self, node: Node | None) -> N.Expr:
        if node is None:
            return build.const(True, T.BOOL, self.override or self.source.span(0, 0))
        if node.type in ("condition_clause", "parenthesized_expression"):
            value = node.child_by_field_name("value") or _only_named(node)
            if value is None:
                return self.b.opaque_expr(self.text(node), "condition", self.span(node))
            if value.type == "declaration":
                return self.b.opaque_expr(self.text(node), "condition-declaration", self.span(node))
            return self.expr(value)
        return self.expr(node)

    def stmt_for_statement(self, node: Node) -> list[N.Stmt]:
        self.b.push()
        init_nodes = node.children_by_field_name("initializer")
        init: list[N.Stmt] = []
        for item in init_nodes:
            init += self.stmt_declaration(item) if item.type == "declaration" else self.effect(item)
        cond_node = node.child_by_field_name("condition")
        cond = self.expr(cond_node) if cond_node is not None else None
        step: list[N.Stmt] = []
        for item in node.children_by_field_name("update"):
            step += self.effect(item)
        body = self.as_block(node.child_by_field_name("body"))
        self.b.pop()
        unroll = self.b.unroll_before(node.start_byte) if self.override is None else None
        return [N.For(tuple(init), cond, tuple(step), body, unroll, span=self.span(node))]

    def stmt_while_statement(self, node: Node) -> list[N.Stmt]:
        cond = self.condition(node.child_by_field_name("condition"))
        return [N.While(cond, self.as_block(node.child_by_field_name("body")), span=self.span(node))]

    def stmt_do_statement(self, node: Node) -> list[N.Stmt]:
        body = self.as_block(node.child_by_field_name("body"))
        cond = self.condition(node.child_by_field_name("condition"))
        return [N.DoWhile(body, cond, span=self.span(node))]

    def stmt_return_statement(self, node: Node) -> list[N.Stmt]:
        value = _only_named(node)
        return [N.Return(self.expr(value) if value is not None else None, span=self.span(node))]

    def stmt_break_statement(self, node: Node) -> list[N.Stmt]:
        return [N.Break(span=self.span(node))]

    def stmt_continue_statement(self, node: Node) -> list[N.Stmt]:
        return [N.Continue(span=self.span(node))]

    def stmt_preproc_call(self, node: Node) -> list[N.Stmt]:
        return []

    # ------------------------------------------------------------------ macros

    def leading_macro(self, node: Node) -> tuple[str, str] | None:
        """(name, expanded text) of a statement that starts with a function-like macro that
        tree-sitter misread (``LOOP(i, n) { ... }`` parses as a function definition)."""
        if node.type not in ("function_definition", "declaration", "ERROR", "labeled_statement"):
            return None
        text = self.text(node)
        match = re.match(r"\s*([A-Za-z_]\w*)\s*\(", text)
        if match is None or self.function_macro(match.group(1)) is None:
            return None
        depth, index = 1, match.end()
        while index < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[index], 0)
            index += 1
        if depth:
            return None
        macro = self.function_macro(match.group(1))
        expansion = self.substitute_args(macro, _split_args(text[match.end():index - 1]))
        return match.group(1), expansion + text[index:]

    def is_macro_use(self, node: Node) -> bool:
        name = self.text(node)
        macro = self.macros.get(name)
        return macro is not None and macro.params is None and name not in self.expanding \
            and self.b.lookup(name) is None

    def function_macro(self, name: str):
        macro = self.macros.get(name)
        if macro is None or macro.params is None or name in self.expanding:
            return None
        return macro

    def substitute(self, macro, call: Node) -> str:
        arglist = call.child_by_field_name("arguments")
        args = _split_args(self.text(arglist)[1:-1]) if arglist is not None else []
        return self.substitute_args(macro, args)

    def substitute_args(self, macro, args: list[str]) -> str:
        mapping = dict(zip(macro.params, args))
        if "__VA_ARGS__" in macro.body:
            mapping["__VA_ARGS__"] = ", ".join(args[len(macro.params):])

        def replace(match: re.Match) -> str:
            word = match.group(0)
            return mapping.get(word, word)

        body = re.sub(r"##", "", macro.body)
        return re.sub(r"[A-Za-z_]\w*", replace, body)

    @contextmanager
    def expanding_macro(self, name: str, text: str, span: Span):
        saved = (self.data, self.override, self.expanding)
        self.data = text.encode("utf-8")
        self.override = span
        self.expanding = self.expanding + (name,)
        try:
            yield
        finally:
            self.data, self.override, self.expanding = saved

    def expand_expr(self, name: str, body: str, span: Span) -> N.Expr:
        wrapped = f"void __porter_m() {{ ({body}); }}"
        with self.expanding_macro(name, wrapped, span):
            tree = parse_bytes(self.data).root_node
            stmt = _first_statement(tree)
            if tree.has_error or stmt is None or stmt.type != "expression_statement":
                return self.b.opaque_expr(body, "macro", span, f"macro `{name}` does not expand to an expression")
            inner = _only_named(stmt)
            return self.expr(_only_named(inner) if inner is not None and inner.type == "parenthesized_expression" else inner)

    def expand_stmt(self, name: str, body: str, span: Span) -> list[N.Stmt]:
        wrapped = f"void __porter_m() {{ {body}; }}"
        with self.expanding_macro(name, wrapped, span):
            tree = parse_bytes(self.data).root_node
            function = next((c for c in tree.children if c.type == "function_definition"), None)
            if tree.has_error or function is None:
                return [self.b.opaque_stmt(body, "macro", span, f"macro `{name}` does not expand to statements")]
            out: list[N.Stmt] = []
            for child in self.active_children(function.child_by_field_name("body")):
                out.extend(self.stmt(child))
            return out

    # ------------------------------------------------------------------ expressions

    def expr(self, node: Node | None) -> N.Expr:
        if node is None:
            return self.b.opaque_expr("", "missing", self.override or self.source.span(0, 0))
        handler = getattr(self, f"expr_{node.type}", None)
        if handler is not None:
            return handler(node)
        if node.type in ("assignment_expression", "update_expression"):
            return self.b.side_effect(self.text(node), self.span(node))
        if node.type == "gnu_asm_expression":
            return self.b.opaque_expr(self.text(node), "inline-asm", self.span(node), "inline PTX assembly")
        return self.b.opaque_expr(self.text(node), node.type.replace("_", "-"), self.span(node))

    def expr_parenthesized_expression(self, node: Node) -> N.Expr:
        return self.expr(_only_named(node))

    def expr_identifier(self, node: Node) -> N.Expr:
        name = self.text(node)
        span = self.span(node)
        found = self.b.var(name, span)
        if found is not None:
            return found
        if self.is_macro_use(node):
            return self.expand_expr(name, self.macros[name].body, span)
        return self.b.opaque_expr(name, "unknown-name", span, f"`{name}` is not declared in this file")

    def expr_qualified_identifier(self, node: Node) -> N.Expr:
        name = self.text(node).rsplit("::", 1)[-1]
        found = self.b.var(name, self.span(node))
        if found is not None:
            return found
        return self.b.opaque_expr(self.text(node), "unknown-name", self.span(node),
                                  f"`{self.text(node)}` is not declared in this file")

    def expr_number_literal(self, node: Node) -> N.Expr:
        text = self.text(node)
        negative = text.startswith("-")
        parsed = cnames.literal(text.lstrip("-+ "))
        if parsed is None:
            return self.b.opaque_expr(text, "literal", self.span(node))
        value = build.const(parsed[0], parsed[1], self.span(node))
        return build.unary("-", value, self.span(node)) if negative else value

    def expr_true(self, node: Node) -> N.Expr:
        return build.const(True, T.BOOL, self.span(node))

    def expr_false(self, node: Node) -> N.Expr:
        return build.const(False, T.BOOL, self.span(node))

    def expr_null(self, node: Node) -> N.Expr:
        return build.const(None, T.Pointer(T.VOID), self.span(node))

    expr_nullptr = expr_null

    def expr_char_literal(self, node: Node) -> N.Expr:
        text = self.text(node)
        body = text[1:-1]
        try:
            value = ord(body.encode().decode("unicode_escape")) if body.startswith("\\") else ord(body)
        except (TypeError, ValueError, UnicodeDecodeError):
            return self.b.opaque_expr(text, "literal", self.span(node))
        return build.const(value, T.Scalar("i8"), self.span(node))

    def expr_string_literal(self, node: Node) -> N.Expr:
        return build.const(string_value(self.text(node)), T.Pointer(T.Scalar("i8"), const=True), self.span(node))

    def expr_concatenated_string(self, node: Node) -> N.Expr:
        value = "".join(string_value(self.text(c)) for c in node.children if c.type == "string_literal")
        return build.const(value, T.Pointer(T.Scalar("i8"), const=True), self.span(node))

    def expr_binary_expression(self, node: Node) -> N.Expr:
        op = self.text(node.child_by_field_name("operator"))
        lhs = self.expr(node.child_by_field_name("left"))
        rhs = self.expr(node.child_by_field_name("right"))
        return build.binary(op, lhs, rhs, self.span(node))

    def expr_comma_expression(self, node: Node) -> N.Expr:
        lhs = self.expr(node.child_by_field_name("left"))
        rhs = self.expr(node.child_by_field_name("right"))
        return build.binary(",", lhs, rhs, self.span(node))

    def expr_unary_expression(self, node: Node) -> N.Expr:
        op = self.text(node.child_by_field_name("operator"))
        return build.unary(op, self.expr(node.child_by_field_name("argument")), self.span(node))

    def expr_pointer_expression(self, node: Node) -> N.Expr:
        op = self.text(node.child_by_field_name("operator"))
        operand = self.expr(node.child_by_field_name("argument"))
        span = self.span(node)
        if op == "*":
            return build.load(operand, (build.const(0, T.I32, span),), span)
        return build.unary("&", operand, span)

    def expr_subscript_expression(self, node: Node) -> N.Expr:
        base = self.expr(node.child_by_field_name("argument"))
        indices = node.child_by_field_name("indices") or node.child_by_field_name("index")
        items = [c for c in indices.children if c.is_named and c.type != "comment"] if indices else []
        index = self.expr(items[0]) if len(items) == 1 else self.expr(indices)
        return build.load(base, (index,), self.span(node))

    def expr_field_expression(self, node: Node) -> N.Expr:
        base = self.expr(node.child_by_field_name("argument"))
        op = self.text(node.child_by_field_name("operator"))
        field = self.text(node.child_by_field_name("field"))
        return self.b.member(base, field, op == "->", self.span(node))

    def expr_conditional_expression(self, node: Node) -> N.Expr:
        cond = self.expr(node.child_by_field_name("condition"))
        then = self.expr(node.child_by_field_name("consequence"))
        other = self.expr(node.child_by_field_name("alternative"))
        return build.select(cond, then, other, self.span(node))

    def expr_cast_expression(self, node: Node) -> N.Expr:
        target = self.type_descriptor(node.child_by_field_name("type"))
        return self.b.cast(target, self.expr(node.child_by_field_name("value")), "c", self.span(node))

    def expr_sizeof_expression(self, node: Node) -> N.Expr:
        type_node = node.child_by_field_name("type")
        value = node.child_by_field_name("value")
        if type_node is not None:
            measured = self.type_descriptor(type_node)
        else:
            inner = _only_named(value) if value.type == "parenthesized_expression" else value
            named = self.named_type(self.text(inner), ()) if inner is not None and inner.type == "identifier" \
                and self.b.lookup(self.text(inner)) is None else None
            measured = named if named is not None else self.expr(value).type
        if measured.size is None or isinstance(measured, T.Named):
            return self.b.opaque_expr(self.text(node), "sizeof", self.span(node),
                                      "sizeof of a type porter does not know the size of")
        return build.const(measured.size, T.U64, self.span(node))

    def expr_initializer_list(self, node: Node) -> N.Expr:
        return self.initializer(node, None)

    def expr_call_expression(self, node: Node) -> N.Expr:
        function = node.child_by_field_name("function")
        span = self.span(node)
        text = self.text(node)
        kind = function.type
        if kind == "identifier":
            name = self.text(function)
            macro = self.function_macro(name)
            if macro is not None:
                return self.expand_expr(name, self.substitute(macro, node), span)
            as_type = self.named_type(name, ()) if self.b.lookup(name) is None else None
            if as_type is not None and not isinstance(as_type, T.Named):
                return self.functional_cast(as_type, node)
            return self.b.call(name, self.args(node), span, text)
        if kind == "template_function":
            name = self.text(function.child_by_field_name("name"))
            arglist = function.child_by_field_name("arguments")
            if name in CAST_NAMES:
                target_node = next((c for c in arglist.children if c.type == "type_descriptor"), None)
                args = self.args(node)
                if target_node is None or len(args) != 1:
                    return self.b.opaque_expr(text, "cast", span)
                return self.b.cast(self.type_descriptor(target_node), args[0], name.split("_")[0], span)
            return self.b.call(name.rsplit("::", 1)[-1], self.args(node), span, text, self.template_args(arglist))
        if kind == "qualified_identifier":
            name = self.text(function)
            return self.b.call(name, self.args(node), span, text)
        if kind in _TYPE_NODES:
            return self.functional_cast(self.named_type(self.text(function), ()) or
                                        cnames.scalar_type(self.text(function)) or T.Named(self.text(function)), node)
        if kind == "field_expression":
            return self.b.opaque_expr(text, "method-call", span, "method call on an object")
        return self.b.opaque_expr(text, "call", span)

    def functional_cast(self, target: T.Type, node: Node) -> N.Expr:
        args = self.args(node)
        span = self.span(node)
        if len(args) == 1:
            return self.b.cast(target, args[0], "func", span)
        if not args and T.is_arith(target):
            return build.const(0.0 if T.is_float(target) else 0, target, span)
        return self.b.opaque_expr(self.text(node), "constructor", span, "constructor call")

    def args(self, call: Node) -> tuple[N.Expr, ...]:
        arglist = call.child_by_field_name("arguments")
        if arglist is None:
            return ()
        return tuple(self.expr(c) for c in arglist.children if c.is_named and c.type != "comment")

    def expr_lambda_expression(self, node: Node) -> N.Expr:
        return self.b.opaque_expr(self.text(node), "lambda", self.span(node))


def _only_named(node: Node) -> Node | None:
    named = [c for c in node.children if c.is_named and c.type != "comment"]
    return named[0] if len(named) == 1 else (named[0] if named else None)


def _first_statement(root: Node) -> Node | None:
    function = next((c for c in root.children if c.type == "function_definition"), None)
    if function is None:
        return None
    body = function.child_by_field_name("body")
    return next((c for c in body.children if c.is_named), None) if body is not None else None


def _split_args(text: str) -> list[str]:
    args, depth, current = [], 0, []
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            args.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    if current or args:
        args.append("".join(current).strip())
    return args
