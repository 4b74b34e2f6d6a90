"""What a translation returns: the code, the diagnostics, the edits made, and each kernel's verdict."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from porter.diagnostics import Diagnostic, Severity, Span, count_by_severity
from porter.edits import Edit
from porter.source import SourceFile

# A kernel's verdict: in the output, refused (diagnostics say why), or dropped by porter's own bug.
PORTED = "ported"
REFUSED = "refused"
INTERNAL_ERROR = "internal-error"
VERDICTS = (PORTED, REFUSED, INTERNAL_ERROR)
#: Diagnostics that are porter's own errors (one kernel's; the emitted module's; a crashed worker's).
INTERNAL_ERROR_IDS = frozenset({"P0060", "P0016", "P0014"})


@dataclass(frozen=True)
class KernelVerdict:
    """One kernel of the source: its name and 1-based line, and what became of it in this port.

    ``diagnostics``: for a kernel not ported, the ids of the diagnostics that say why (the errors
    inside the kernel, else the file's errors outside every kernel)."""

    name: str
    line: int
    verdict: str
    diagnostics: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "line": self.line, "verdict": self.verdict, "diagnostics": list(self.diagnostics)}


@dataclass
class TranslationResult:
    source: SourceFile
    target: str
    code: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    optimization: Any = None  # porter.llm's report when translate(..., optimize=True) ran the LLM stage
    kernels: list[KernelVerdict] = field(default_factory=list)  # each kernel of the source, in source order
    #: the encoding ``code`` is written in: the source's own for a lossless rewrite (HIP), else UTF-8
    encoding: str = "utf-8"

    @property
    def ok(self) -> bool:
        """True when no diagnostic is an error (the output is expected to compile and be right)."""
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)

    def code_bytes(self) -> bytes:
        """``code`` as the bytes to write (an 8-bit source's rewrite keeps its encoding)."""
        if self.encoding == "utf-8":
            return self.code.encode("utf-8")
        return self.source.encode(self.code)

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
            "kernels": [k.to_json() for k in self.kernels],
        }


def _edit_json(source: SourceFile, edit: Edit) -> dict[str, Any]:
    data = edit.to_json()
    data["line"], data["col"] = source.position(edit.start)
    return data


def kernel_verdicts(kernels: Iterable[tuple[str, Span]], diagnostics: Iterable[Diagnostic],
                    ported: Iterable[str] | None = None) -> list[KernelVerdict]:
    """The verdict of each ``(name, span)`` kernel, in source order.

    ``ported``: the names of the kernels the output holds (the tile backends know them); None
    when a kernel is in the output unless an error falls inside its span (HIP's source rewrite).
    A kernel not ported is an internal error when a reason is one of :data:`INTERNAL_ERROR_IDS`,
    and refused otherwise; its reasons are the errors inside its span, else the file's errors
    outside every kernel, else any diagnostic inside its span.
    """
    sites = sorted(kernels, key=lambda k: k[1].start)
    names = {name for name, _ in sites}
    found = list(diagnostics)
    errors = [d for d in found if d.is_error]
    outside = [d for d in errors if not any(_inside(d, span) for _, span in sites)]
    emitted = None if ported is None else set(ported)
    verdicts = []
    for name, span in sites:
        # a refusal that names its kernel ("k: ...") belongs to that kernel wherever it points
        # (a syntax error in one place can refuse several kernels)
        inside = [d for d in errors if _inside(d, span) and _about(d, names) in (None, name)]
        named = [d for d in errors if _about(d, names) == name and d not in inside]
        if (not inside and not named) if emitted is None else (name in emitted):
            verdicts.append(KernelVerdict(name, span.line, PORTED))
            continue
        reasons = inside + named or outside or [d for d in found if _inside(d, span)]
        ids = tuple(dict.fromkeys(d.id for d in reasons))
        verdict = INTERNAL_ERROR if INTERNAL_ERROR_IDS.intersection(ids) else REFUSED
        verdicts.append(KernelVerdict(name, span.line, verdict, ids))
    return verdicts


def _about(diagnostic: Diagnostic, kernels: set[str]) -> str | None:
    """The kernel a diagnostic's message opens with (``name: ...``), if it names one of ``kernels``."""
    head = diagnostic.message.split(":", 1)[0]
    return head if ":" in diagnostic.message and head in kernels else None


def _inside(diagnostic: Diagnostic, span: Span) -> bool:
    where = diagnostic.span
    return (where is not None and where.file == span.file
            and span.start <= where.start < max(span.end, span.start + 1))
