"""A small evaluator of C integer constant expressions over text, with object-like macros.

Used for ``#if`` conditions (unknown names are 0, as the preprocessor says), array extents,
``__launch_bounds__`` arguments and template arguments.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\s*(0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|[A-Za-z_]\w*|<<|>>|<=|>=|==|!=|&&|\|\||"
                    r"[-+*/%()<>!~&|^?:,])")
_BINARY = {
    "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6, "<": 7, "<=": 7, ">": 7, ">=": 7,
    "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}


class NotConstant(ValueError):
    pass


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise NotConstant(f"cannot read {text[pos:]!r}")
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


def evaluate(text: str, macros: dict[str, str] | None = None, undefined_is_zero: bool = False) -> int:
    """The value of ``text``; raises :class:`NotConstant` when it is not an integer constant."""
    tokens = _expand(tokenize(text), macros or {}, undefined_is_zero, set())
    parser = _Parser(tokens)
    value = parser.ternary()
    if parser.pos != len(tokens):
        raise NotConstant(f"trailing tokens in {text!r}")
    return value


def _expand(tokens: list[str], macros: dict[str, str], zero: bool, active: set[str]) -> list[str]:
    out: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token == "defined":
            name, index = _defined_operand(tokens, index + 1)
            out.append("1" if name in macros else "0")
            continue
        if token[0].isalpha() or token[0] == "_":
            if token in macros and token not in active:
                out.extend(_expand(tokenize(macros[token]) if macros[token].strip() else [],
                                   macros, zero, active | {token}))
            elif token in ("true", "false"):
                out.append("1" if token == "true" else "0")
            elif zero:
                out.append("0")
            else:
                raise NotConstant(f"{token} is not a constant")
        else:
            out.append(token)
        index += 1
    return out


def _defined_operand(tokens: list[str], index: int) -> tuple[str, int]:
    if index < len(tokens) and tokens[index] == "(":
        if index + 2 >= len(tokens) or tokens[index + 2] != ")":
            raise NotConstant("bad defined()")
        return tokens[index + 1], index + 3
    if index >= len(tokens):
        raise NotConstant("bad defined")
    return tokens[index], index + 1


class _Parser:
    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise NotConstant("unexpected end")
        self.pos += 1
        return token

    def ternary(self) -> int:
        cond = self.binary(1)
        if self.peek() != "?":
            return cond
        self.take()
        then = self.ternary()
        if self.take() != ":":
            raise NotConstant("expected :")
        other = self.ternary()
        return then if cond else other

    def binary(self, level: int) -> int:
        lhs = self.unary()
        while True:
            op = self.peek()
            prec = _BINARY.get(op or "")
            if prec is None or prec < level:
                return lhs
            self.take()
            rhs = self.binary(prec + 1)
            lhs = _apply(op, lhs, rhs)

    def unary(self) -> int:
        token = self.take()
        if token == "(":
            value = self.ternary()
            if self.take() != ")":
                raise NotConstant("expected )")
            return value
        if token == "-":
            return -self.unary()
        if token == "+":
            return self.unary()
        if token == "!":
            return int(not self.unary())
        if token == "~":
            return ~self.unary()
        if token[0].isdigit():
            body = token.rstrip("uUlL")
            if body.lower().startswith("0x"):
                return int(body, 16)
            if len(body) > 1 and body.startswith("0"):
                return int(body, 8)
            return int(body)
        raise NotConstant(f"unexpected {token!r}")


def _apply(op: str, a: int, b: int) -> int:
    if op in ("/", "%") and b == 0:
        raise NotConstant("division by zero")
    if op == "/":
        return int(a / b)
    if op == "%":
        return a - int(a / b) * b
    table = {
        "||": lambda: int(bool(a) or bool(b)), "&&": lambda: int(bool(a) and bool(b)),
        "|": lambda: a | b, "^": lambda: a ^ b, "&": lambda: a & b, "==": lambda: int(a == b),
        "!=": lambda: int(a != b), "<": lambda: int(a < b), "<=": lambda: int(a <= b),
        ">": lambda: int(a > b), ">=": lambda: int(a >= b), "<<": lambda: a << b if b < 256 else 0,
        ">>": lambda: a >> b, "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b,
    }
    return table[op]()


def try_evaluate(text: str, macros: dict[str, str] | None = None) -> int | None:
    try:
        return evaluate(text, macros)
    except (NotConstant, RecursionError, OverflowError):
        return None


def expand(text: str, macros: dict[str, str]) -> str:
    """``text`` with the object-like macros it names replaced (recursively), unknown names kept."""
    try:
        tokens = tokenize(text)
    except NotConstant:
        return text
    out: list[str] = []
    for token in tokens:
        out.extend(_expand_names([token], macros, set()))
    return " ".join(out)


def _expand_names(tokens: list[str], macros: dict[str, str], active: set[str]) -> list[str]:
    out: list[str] = []
    for token in tokens:
        if token in macros and token not in active and (token[0].isalpha() or token[0] == "_"):
            try:
                inner = tokenize(macros[token])
            except NotConstant:
                out.append(token)
                continue
            out.extend(_expand_names(inner, macros, active | {token}))
        else:
            out.append(token)
    return out


def normalize(text: str) -> str:
    """Expression text without spaces, the form symbolic array extents print in."""
    return "".join(text.split())
