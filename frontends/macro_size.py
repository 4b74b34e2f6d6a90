"""How many tokens a file's macros can expand to, estimated before libclang parses it.

tree-sitter does not expand macros, so :func:`porter.limits.nesting_error` sees ``out = A15;`` as
shallow even when fifteen ``#define An A(n-1)+A(n-1)`` lines make it a sum of 32,768 terms.
Expanded code that long can nest as deep as it is long, and libclang's parser runs out of stack
(a segfault) at a few hundred thousand levels, and of memory before that on larger blow-ups.
:func:`expansion_error` bounds what every macro use outside the ``#define`` lines can expand to
and refuses the file (P0033) above :data:`porter.limits.MAX_MACRO_TOKENS`.

The estimate is an upper bound for what the preprocessor does with the file's own macros: an
object-like macro costs what its body costs; a function-like macro's arguments cost as many times
as its parameters occur in its body (so ``D(D(D(x)))`` with ``#define D(x) x+x`` costs 2x2x2
times ``x``); a macro that names itself (or a cycle) is not expanded again, as in C. Macros
defined in headers next to the file are not seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r'[A-Za-z_]\w*|\d[\w.]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|\S')
_DIRECTIVE = re.compile(r"^[ \t]*#(?:[^\n\\]|\\.)*", re.MULTILINE | re.DOTALL)
_DEFINE = re.compile(r"[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\([^)]*\))?(.*)", re.DOTALL)
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)


@dataclass
class _Macro:
    params: tuple[str, ...] | None  # None: object-like
    body: list[str]


@dataclass
class Expansion:
    """The estimate for a file: ``tokens`` the macro uses outside directives can add to it (their
    expansions, and the copies of their arguments), and the offset and name of the costliest use."""

    tokens: int
    offset: int
    name: str


def estimate(text: str) -> Expansion:
    """An upper bound on the tokens the macro uses of ``text`` add to it (see the module's doc)."""
    text = _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    macros: dict[str, _Macro] = {}
    directives = []
    for match in _DIRECTIVE.finditer(text):
        directives.append((match.start(), match.end()))
        define = _DEFINE.match(match.group(0).replace("\\\n", " "))
        if define is not None:
            params = tuple(p.strip() for p in define.group(2)[1:-1].split(",")) if define.group(2) else None
            macros[define.group(1)] = _Macro(params, _TOKEN.findall(define.group(3)))
    if not macros:
        return Expansion(0, 0, "")
    sizes = _Sizes(macros)
    tokens = [(m.group(0), m.start()) for m in _TOKEN.finditer(text) if not _inside(directives, m.start())]
    total, costliest = 0, Expansion(0, 0, "")
    for name, offset, cost in sizes.uses(tokens):
        if name not in macros:  # text of the file: only the copies a macro makes of it count
            total += cost - 1
            continue
        total += cost
        if cost > costliest.tokens:
            costliest = Expansion(cost, offset, name)
    return Expansion(total, costliest.offset, costliest.name)


def _inside(ranges: list[tuple[int, int]], offset: int) -> bool:
    from bisect import bisect_right

    index = bisect_right(ranges, (offset, float("inf"))) - 1
    return index >= 0 and ranges[index][0] <= offset < ranges[index][1]


class _Sizes:
    """Memoized costs of the macros' bodies and the multiplier of their arguments."""

    def __init__(self, macros: dict[str, _Macro]) -> None:
        self.macros = macros
        self.cost: dict[str, tuple[int, int]] = {}  # name -> (body cost, argument multiplier)
        self.open: set[str] = set()

    def of(self, name: str) -> tuple[int, int]:
        known = self.cost.get(name)
        if known is not None:
            return known
        if name in self.open:  # not expanded again inside itself
            return 1, 1
        self.open.add(name)
        macro = self.macros[name]
        params = set(macro.params or ())
        body, per_param = 0, dict.fromkeys(params, 0)
        for token, _, cost in self.uses([(t, 0) for t in macro.body], params, per_param):
            body += cost
        self.open.discard(name)
        result = (max(body, 1), max([1, *per_param.values()]))
        self.cost[name] = result
        return result

    def uses(self, tokens: list[tuple[str, int]], params: set[str] = frozenset(),
             per_param: dict[str, int] | None = None):
        """(token, offset, cost) of each token, a macro use costing its expansion; tokens in the
        parentheses after a function-like macro cost that macro's multiplier times more."""
        stack: list[tuple[int, int]] = []  # (multiplier, parenthesis depth where it ends)
        factor, depth = 1, 0
        pending: int | None = None  # the multiplier of a function-like macro just named
        for token, offset in tokens:
            if token == "(":
                depth += 1
                if pending is not None:
                    stack.append((pending, depth))
                    factor *= pending
                pending = None
                continue
            pending = None
            if token == ")":
                if stack and stack[-1][1] == depth:
                    factor //= stack.pop()[0]
                depth -= 1
                continue
            macro = self.macros.get(token)
            if token in params:
                per_param[token] += factor  # type: ignore[index]
                yield token, offset, factor
            elif macro is not None and token not in self.open:
                body, multiplier = self.of(token)
                yield token, offset, body * factor
                if macro.params is not None:
                    pending = multiplier
            else:
                yield token, offset, factor
