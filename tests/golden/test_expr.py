from __future__ import annotations

import pytest

from porter.golden.expr import ExpressionError, evaluate, names_in


@pytest.mark.parametrize(("text", "expected"), [
    ("cdiv(n, 256)", 4),
    ("n // 2 + 1", 501),
    ("n % 7", 6),
    ("min(4, cdiv(n, 128))", 4),
    ("max(32, n)", 1000),
    ("2 * (n - 1)", 1998),
    ("-n", -1000),
    ("1 / sqrt(64)", 0.125),
    ("next_pow2(n)", 1024),
    ("next_pow2(32)", 32),
    ("log2(1024)", 10),
    ("2 ** 10", 1024),
    ("1e-5", 1e-5),
    ("n", 1000),
])
def test_evaluates(text, expected):
    assert evaluate(text, {"n": 1000}) == expected


def test_numbers_pass_through():
    assert evaluate(256, {}) == 256
    assert evaluate(2.5, {}) == 2.5


@pytest.mark.parametrize(("text", "message"), [
    ("m + 1", "unknown name 'm'"),
    ("__import__('os')", "unknown function"),
    ("n.real", "not allowed"),
    ("(lambda: 1)()", "unknown function"),
    ("[1, 2]", "not allowed"),
    ("n if n else 1", "not allowed"),
    ("n / 0", "division by zero"),
    ("cdiv(n, 0)", "division by zero"),
    ("cdiv(1.5, 2)", "takes integers"),
    ("2 ** 1000", "exponent too large"),
    ("'text'", "not a number"),
    ("n +", "cannot parse"),
    ("True", "not a number"),
])
def test_rejects(text, message):
    with pytest.raises(ExpressionError, match=message):
        evaluate(text, {"n": 10})


def test_rejects_non_numbers():
    with pytest.raises(ExpressionError):
        evaluate(True, {})
    with pytest.raises(ExpressionError):
        evaluate([1], {})


def test_names_in():
    assert names_in("cdiv(rows * cols, threads)") == {"rows", "cols", "threads"}
    assert names_in(3) == set()
