"""Diagnostics: what porter tells the user about their code, with a location and a hint.

Every diagnostic has a stable id from the catalogue (``porter/diagnostic_catalogue.toml``), a
severity, a source span, a message and an optional hint. They render like a compiler's
(``file:line:col: error[P0201]: message`` + the source line + a caret) and serialise to JSON.
"""

from __future__ import annotations

import enum
import tomllib
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path


class Severity(enum.IntEnum):
    NOTE = 0
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open byte range in one file, with 1-based line/column of its start and end."""

    file: str
    start: int
    end: int
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    id: str
    severity: Severity
    message: str
    span: Span | None = None
    hint: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_json(self) -> dict:
        data = asdict(self)
        data["severity"] = str(self.severity)
        data["title"] = catalogue_title(self.id)
        return data

    def render(self, source_text: str | None = None) -> str:
        where = f"{self.span}: " if self.span else ""
        lines = [f"{where}{self.severity}[{self.id}]: {self.message}"]
        if self.span and source_text is not None:
            lines.extend(_excerpt(source_text, self.span))
        for note in self.notes:
            lines.append(f"  = note: {note}")
        if self.hint:
            lines.append(f"  = hint: {self.hint}")
        return "\n".join(lines)


#: Excerpts show at most this many characters of a line, around the diagnostic's column.
EXCERPT_WIDTH = 120


def _excerpt(text: str, span: Span) -> list[str]:
    source_lines = text.splitlines()
    if not 1 <= span.line <= len(source_lines):
        return []
    line = source_lines[span.line - 1]
    width = span.end_col - span.col if span.end_line == span.line else len(line) - span.col + 1
    start = max(0, min(span.col - 1 - EXCERPT_WIDTH // 3, len(line) - EXCERPT_WIDTH))
    shown = line[start:start + EXCERPT_WIDTH]
    prefix, suffix = ("..." if start else ""), ("..." if start + EXCERPT_WIDTH < len(line) else "")
    caret_at = len(prefix) + span.col - 1 - start
    caret = "^" * max(1, min(width, len(shown) - (span.col - 1 - start)))
    gutter = f"{span.line:>5} | "
    return [gutter + prefix + shown + suffix, " " * (len(gutter) + caret_at) + caret]


@cache
def _catalogue() -> dict[str, dict]:
    path = Path(__file__).with_name("diagnostic_catalogue.toml")
    with path.open("rb") as handle:
        return tomllib.load(handle)["diagnostic"]


def catalogue_title(diag_id: str) -> str:
    entry = _catalogue().get(diag_id)
    if entry is None:
        raise KeyError(f"internal error in porter, please report: unknown diagnostic id {diag_id}")
    return entry["title"]


def make(diag_id: str, message: str, span: Span | None = None, hint: str | None = None,
         severity: Severity | None = None) -> Diagnostic:
    """Build a diagnostic whose default severity and hint come from the catalogue."""
    entry = _catalogue().get(diag_id)
    if entry is None:
        raise KeyError(f"internal error in porter, please report: unknown diagnostic id {diag_id}")
    chosen = severity if severity is not None else Severity[entry["severity"].upper()]
    return Diagnostic(diag_id, chosen, message, span, hint if hint is not None else entry.get("hint"))


def count_by_severity(diagnostics: list[Diagnostic]) -> dict[str, int]:
    counts = {str(s): 0 for s in Severity}
    for diagnostic in diagnostics:
        counts[str(diagnostic.severity)] += 1
    return counts
