"""A tiny, safe evaluator for the size expressions of golden specs (``cdiv(n, 256)``, ``rows*cols``).

It walks Python's AST and accepts only numbers, names, ``+ - * / // % **``, unary minus, and
calls of the functions in :data:`FUNCTIONS`; nothing is ever passed to ``eval``.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from functools import cache

Number = int | float


def _cdiv(a: int, b: int) -> int:
    return -(-a // b)


def _integer_function(name: str, function: Callable) -> Callable:
    def checked(*args: Number) -> int:
        if not all(isinstance(a, int) for a in args):
            raise ExpressionError(f"{name}() takes integers")
        return function(*args)

    return checked


FUNCTIONS: dict[str, Callable[..., Number]] = {
    "cdiv": _integer_function("cdiv", _cdiv),
    "min": min,
    "max": max,
    "abs": abs,
    "sqrt": math.sqrt,
    "float": float,
    "int": int,
    "log2": _integer_function("log2", lambda a: a.bit_length() - 1),
    "next_pow2": _integer_function("next_pow2", lambda a: 1 << max(0, (a - 1).bit_length())),
    "floor": math.floor,
    "ceil": math.ceil,
    "sin": math.sin,
    "cos": math.cos,
    "exp": math.exp,
    "log": math.log,
    "tanh": math.tanh,
    # nonzeros of a `csr` input (format 2): round(density * rows * cols), at most rows * cols
    "csr_nnz": lambda rows, cols, density: min(int(rows) * int(cols), round(density * rows * cols)),
}

BINARY: dict[type, Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}

UNARY: dict[type, Callable[[Number], Number]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}


class ExpressionError(ValueError):
    pass


@cache
def parse(text: str) -> ast.expr:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise ExpressionError(f"cannot parse expression {text!r}") from None
    return tree.body


def evaluate(expression: Number | str, names: Mapping[str, Number]) -> Number:
    """The value of ``expression`` (a number, or an expression text) with ``names`` bound."""
    if isinstance(expression, bool):
        raise ExpressionError(f"expected a number or an expression, got {expression!r}")
    if isinstance(expression, int | float):
        return expression
    if not isinstance(expression, str):
        raise ExpressionError(f"expected a number or an expression, got {expression!r}")
    return _eval(parse(expression), names)


def names_in(expression: Number | str) -> set[str]:
    """The variable names an expression uses (not the function names)."""
    if not isinstance(expression, str):
        return set()
    found = set()
    for node in ast.walk(parse(expression)):
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            found.add(node.id)
    return found


def _eval(node: ast.expr, names: Mapping[str, Number]) -> Number:
    if isinstance(node, ast.Constant):
        return _constant(node.value)
    if isinstance(node, ast.Name):
        if node.id not in names:
            raise ExpressionError(f"unknown name {node.id!r}")
        return names[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        return _binary(node, names)
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return UNARY[type(node.op)](_eval(node.operand, names))
    if isinstance(node, ast.Call):
        return _call(node, names)
    raise ExpressionError(f"not allowed in an expression: {ast.unparse(node)!r}")


def _constant(value: object) -> Number:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExpressionError(f"not a number: {value!r}")
    return value


def _binary(node: ast.BinOp, names: Mapping[str, Number]) -> Number:
    left, right = _eval(node.left, names), _eval(node.right, names)
    if isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod) and right == 0:
        raise ExpressionError(f"division by zero in {ast.unparse(node)!r}")
    if isinstance(node.op, ast.Pow) and abs(right) > 64:
        raise ExpressionError(f"exponent too large in {ast.unparse(node)!r}")
    return BINARY[type(node.op)](left, right)


def _call(node: ast.Call, names: Mapping[str, Number]) -> Number:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
        allowed = ", ".join(sorted(FUNCTIONS))
        raise ExpressionError(f"unknown function in {ast.unparse(node)!r} (allowed: {allowed})")
    args = [_eval(arg, names) for arg in node.args]
    try:
        return FUNCTIONS[node.func.id](*args)
    except ZeroDivisionError:
        raise ExpressionError(f"division by zero in {ast.unparse(node)!r}") from None
    except (TypeError, ValueError, OverflowError) as error:
        raise ExpressionError(f"{ast.unparse(node)}: {error}") from None
