"""Deterministic token-level mutants of the golden kernels.

``generate(count, seed)`` returns ``count`` mutants, the golden kernels taken in turn, each made by
one edit of one token of code (comments, strings and preprocessor lines are left alone): a deleted
token, a duplicated token, an operator swapped for another, an operator dropped, or the file cut
off after a token. The same ``(count, seed)`` always gives the same mutants.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "kernels"

#: one token of CUDA text; comments, string/char literals and preprocessor lines are single tokens
TOKEN = re.compile(r"""
    (?P<skip>//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|^[ \t]*\#[^\n]*(?:\\\n[^\n]*)*)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFuUlL]*|0[xX][0-9a-fA-F]+[uUlL]*)
  | (?P<op><<=|>>=|\+\+|--|->|&&|\|\||<<|>>|[<>=!+\-*/%&|^]=|[-+*/%<>=!&|^~?:])
  | (?P<punct>[()\[\]{};,.])
""", re.VERBOSE | re.DOTALL | re.MULTILINE)

#: operators a swap may turn each operator into (same arity, so the mutant often still parses)
SWAPS = {
    "+": ["-", "*"], "-": ["+", "/"], "*": ["+", "/"], "/": ["*", "-"], "%": ["/", "&"],
    "<": ["<=", ">", "=="], "<=": ["<", ">="], ">": [">=", "<"], ">=": [">", "<="],
    "==": ["!=", "<"], "!=": ["==", ">"], "&&": ["||"], "||": ["&&"], "&": ["|", "^"], "|": ["&", "^"],
    "^": ["&", "|"], "<<": [">>"], ">>": ["<<"], "+=": ["-=", "*="], "-=": ["+="], "*=": ["+="],
    "++": ["--"], "--": ["++"],
}
BINARY = {op for op in SWAPS if op not in ("++", "--")}
KINDS = ("delete", "duplicate", "swap", "drop-operator", "truncate")


@dataclass(frozen=True)
class Mutant:
    base: str  # the golden kernel's stem, e.g. "saxpy"
    kind: str  # one of KINDS
    offset: int  # where in the base text the edit is
    text: str

    @property
    def name(self) -> str:
        return f"{self.base}.{self.kind}@{self.offset}"

    @property
    def file_name(self) -> str:
        return f"{self.base}.cu"


def tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each code token (not comments, literals or preprocessor lines)."""
    return [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(text) if m.lastgroup != "skip"]


def mutate(base: str, text: str, rng: random.Random) -> Mutant:
    """One mutant of ``text``; the kind is drawn first, then a token it applies to."""
    found = tokens(text)
    kind = rng.choice(KINDS)
    operators = [t for t in found if t[2] in SWAPS]
    if kind in ("swap", "drop-operator") and operators:
        start, end, token = rng.choice(operators if kind == "swap" else
                                       [t for t in operators if t[2] in BINARY] or operators)
        new = rng.choice(SWAPS[token]) if kind == "swap" else ""
        return Mutant(base, kind, start, text[:start] + new + text[end:])
    kind = kind if kind in ("delete", "duplicate", "truncate") else "delete"
    start, end, token = rng.choice(found)
    if kind == "delete":
        return Mutant(base, kind, start, text[:start] + text[end:])
    if kind == "duplicate":
        return Mutant(base, kind, start, text[:end] + " " + token + text[end:])
    return Mutant(base, kind, end, text[:end])


def golden_sources() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(GOLDEN.glob("*.cu"))}


def generate(count: int, seed: int = 0) -> list[Mutant]:
    """``count`` distinct mutants, the golden kernels in turn (the same for the same arguments)."""
    sources = golden_sources()
    rng = random.Random(seed)
    names = sorted(sources)
    out: list[Mutant] = []
    seen: set[str] = set()
    attempts = 0
    while len(out) < count and attempts < count * 20:
        base = names[attempts % len(names)]
        attempts += 1
        mutant = mutate(base, sources[base], rng)
        if mutant.text != sources[base] and mutant.text not in seen:
            seen.add(mutant.text)
            out.append(mutant)
    return out
