"""What a translation returns: the code, the diagnostics, and the edits made."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from porter.diagnostics import Diagnostic, Severity, count_by_severity
from porter.edits import Edit
from porter.source import SourceFile


@dataclass
class TranslationResult:
    source: SourceFile
    target: str
    code: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    optimization: Any = None  # porter.llm's report when translate(..., optimize=True) ran the LLM stage

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error (the output is expected to compile and be right)."""
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def changed(self) -> bool:
        return self.code != self.source.text

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    def render_diagnostics(self) -> str:
        return "\n".join(d.render(self.source.text) for d in self.diagnostics)

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.source.name,
            "target": self.target,
            "options": self.options,
            "changed": self.changed,
            "ok": self.ok,
            "counts": count_by_severity(self.diagnostics),
            "edits": [_edit_json(self.source, e) for e in self.edits],
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }


def _edit_json(source: SourceFile, edit: Edit) -> dict[str, Any]:
    data = edit.to_json()
    data["line"], data["col"] = source.position(edit.start)
    return data
