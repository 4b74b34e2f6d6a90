"""``porter trace plan``: which of the profiled kernels are the user's own, where they are defined,
and what porter makes of each on every target, in order of the GPU time they cover."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

SOURCE_SUFFIXES = (".cu", ".cuh")
TARGETS = ("hip", "triton", "pallas", "nki")


@dataclass(frozen=True)
class Definition:
    file: Path
    line: int
    name: str
    start: int  # byte range of the kernel in its file
    end: int


@dataclass
class PlanRow:
    kernel: str
    share: float
    total_us: float
    launches: int
    definitions: list[Definition]
    verdicts: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"kernel": self.kernel, "share_%": self.share, "total_us": self.total_us, "launches": self.launches,
                "defined_at": [f"{d.file}:{d.line}" for d in self.definitions], "verdicts": self.verdicts}


def find_kernels(root: Path) -> dict[str, list[Definition]]:
    """Every ``__global__`` definition under ``root`` (porter's frontend: templates, namespaces and
    macros as it reads them), by bare name."""
    from porter.frontends.ir_frontend import build_ir
    from porter.source import InputError, read_source_file

    found: dict[str, list[Definition]] = {}
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.suffix in SOURCE_SUFFIXES)
    for path in files:
        try:
            module = build_ir(read_source_file(path))
        except InputError:
            continue
        for function in module.functions:
            if function.is_kernel:
                span = function.span
                found.setdefault(function.name, []).append(
                    Definition(path, span.line, function.name, span.start, span.end))
    return found


def verdict(definition: Definition, target: str, cache: dict) -> str:
    """What porter makes of one kernel on ``target``: ``ports``, ``ports with N warnings``, or
    ``refused: ID message`` (the first error inside the kernel, or one for the file)."""
    import porter

    key = (definition.file, target)
    if key not in cache:
        try:
            cache[key] = porter.translate(definition.file, target)
        except Exception as error:  # noqa: BLE001 -- a backend that cannot run here is a verdict
            cache[key] = error
    result = cache[key]
    if isinstance(result, Exception):
        return f"not run: {result}"
    inside = [d for d in result.diagnostics  # file-wide ones (no span) concern every kernel
              if d.span is None or definition.start <= d.span.start < definition.end]
    errors = [d for d in inside if d.is_error]
    if errors:
        first = errors[0]
        return f"refused: {first.id} {first.message}"
    warnings = [d for d in inside if str(d.severity) == "warning"]
    return f"ports with {len(warnings)} warning(s)" if warnings else "ports"


def plan(db: sqlite3.Connection, source: Path, targets: Iterable[str] = TARGETS) -> list[PlanRow]:
    """The profiled kernels by GPU time with their definitions under ``source`` and porter's
    verdict on each target; kernels defined nowhere there (libraries, frameworks) come last."""
    from porter.profile.views import top

    definitions = find_kernels(source)
    rows = [PlanRow(kernel, share, total, launches, definitions.get(kernel, []))
            for kernel, share, launches, total, _mean, _p90 in top(db, by="base_name").rows]
    cache: dict = {}
    for row in rows:
        for target in targets:
            if row.definitions:
                row.verdicts[target] = verdict(row.definitions[0], target, cache)
    rows.sort(key=lambda r: (not r.definitions, -r.total_us))
    return rows
