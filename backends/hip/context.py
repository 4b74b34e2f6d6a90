"""State shared by the HIP rewrite rules while one file is translated."""

from __future__ import annotations

from dataclasses import dataclass, field

from porter.backends.hip.options import HipOptions
from porter.diagnostics import Diagnostic, Severity, make
from porter.edits import EditSet
from porter.frontends.treesitter import CudaSyntax, Node, Region
from porter.source import SourceFile


@dataclass
class RewriteContext:
    source: SourceFile
    syntax: CudaSyntax
    options: HipOptions
    edits: EditSet
    regions: list[Region]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    helpers_needed: set[str] = field(default_factory=set)  # names from [helpers] in the table
    defines_needed: list[str] = field(default_factory=list)  # macros to define before hip_runtime.h

    @property
    def wave64(self) -> bool:
        return self.options.wave_size == 64

    def report(self, diag_id: str, message: str, region: Region, node: Node, hint: str | None = None,
               severity: Severity | None = None) -> None:
        start, end = region.file_range(node)
        self.diagnostics.append(make(diag_id, message, self.source.span(start, end), hint, severity))

    def replace_node(self, region: Region, node: Node, text: str, rule: str) -> bool:
        start, end = region.file_range(node)
        return self.replace(start, end, text, rule)

    def replace(self, start: int, end: int, text: str, rule: str) -> bool:
        """Edit unless another rule already rewrote these bytes (the earlier rule wins)."""
        if self.edits.overlaps(start, end):
            return False
        self.edits.replace(start, end, text, rule)
        return True

    def insert(self, offset: int, text: str, rule: str) -> None:
        self.edits.insert(offset, text, rule)
