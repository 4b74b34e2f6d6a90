"""The ``__global__`` kernels of a file's syntax tree, and the file with some of them blanked out.

The HIP backend rewrites text, not kernels, so it finds the kernels here: for the per-kernel
verdicts of its result, and to leave out a kernel that a rule raises on (:mod:`.isolate`).
Blanking keeps every byte offset: a kernel's bytes become spaces (its newlines stay), so edits and
diagnostics computed on the blanked file apply to the original unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from porter.diagnostics import Span
from porter.frontends.treesitter import CudaSyntax, Node, iter_nodes
from porter.source import SourceFile


@dataclass(frozen=True)
class KernelSite:
    """A kernel definition: its name and its bytes (with its ``template <...>`` head)."""

    name: str
    start: int
    end: int

    def span(self, source: SourceFile) -> Span:
        return source.span(self.start, self.end)

    def head(self, source: SourceFile) -> Span:
        """Where diagnostics about the whole kernel point: its first line, from where it starts."""
        line_end = source.data.find(b"\n", self.start)
        return source.span(self.start, self.end if line_end < 0 else min(line_end, self.end))


def kernel_sites(syntax: CudaSyntax) -> list[KernelSite]:
    """Every ``__global__`` function definition of the file (not those in macro bodies), in order."""
    sites = []
    for node in iter_nodes(syntax.root, {"function_definition"}):
        if not any(child.type == "__global__" for child in node.children):
            continue
        outer = node.parent if node.parent is not None and node.parent.type == "template_declaration" else node
        sites.append(KernelSite(_name(node), outer.start_byte, outer.end_byte))
    return sorted(sites, key=lambda s: s.start)


def blanked(data: bytes, sites: list[KernelSite]) -> bytes:
    """``data`` with the bytes of ``sites`` turned to spaces, newlines kept."""
    out = bytearray(data)
    for site in sites:
        out[site.start:site.end] = bytes(b if b == 0x0A else 0x20 for b in data[site.start:site.end])
    return bytes(out)


def _name(definition: Node) -> str:
    declarator = definition.child_by_field_name("declarator")
    while declarator is not None and declarator.type != "function_declarator":
        declarator = declarator.child_by_field_name("declarator")
    name = declarator.child_by_field_name("declarator") if declarator is not None else None
    if name is not None and name.type == "template_function":
        name = name.child_by_field_name("name")
    if name is None or name.text is None:
        return "?"
    return name.text.decode("utf-8", errors="replace").rsplit("::", 1)[-1]
