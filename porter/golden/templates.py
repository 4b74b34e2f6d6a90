"""Kernel names with per-case template arguments (format 2): ``reduce<{block}, float>``.

Each ``{expr}`` in a launch's kernel name is an expression over the case's sizes; a case's kernel
name is the text with every placeholder replaced by its value (``reduce<256, float>``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from porter.golden.expr import ExpressionError, evaluate, parse

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def placeholders(kernel: str) -> list[str]:
    return PLACEHOLDER.findall(kernel)


def check_placeholders(kernel: str) -> None:
    """Raise ExpressionError for a placeholder that does not parse, or a stray brace."""
    for text in placeholders(kernel):
        parse(text)
    if "{" in PLACEHOLDER.sub("", kernel) or "}" in PLACEHOLDER.sub("", kernel):
        raise ExpressionError(f"unbalanced braces in {kernel!r}")


def instantiate_name(kernel: str, sizes: Mapping[str, int | float]) -> str:
    """The kernel name of one case: every ``{expr}`` evaluated (integers printed as integers)."""
    def value(match: re.Match) -> str:
        number = evaluate(match[1], sizes)
        if isinstance(number, float) and number.is_integer():
            number = int(number)
        return str(number)
    return PLACEHOLDER.sub(value, kernel)


def instances(spec) -> tuple[str, ...]:
    """Every template instance the spec's launches name, over every case."""
    found = set()
    for launch in spec.launches:
        if "<" not in launch.kernel:
            continue
        if not placeholders(launch.kernel):
            found.add(launch.kernel)
            continue
        for case in spec.cases:
            try:
                found.add(instantiate_name(launch.kernel, case.size_map))
            except ExpressionError:
                continue  # reported by validation
    return tuple(sorted(found))
