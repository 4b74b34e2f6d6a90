"""Which kernels of a module were built from text that does not parse.

The IR frontends recover from syntax errors (tree-sitter marks ``ERROR``/``MISSING`` nodes and goes
on; libclang drops what it cannot read), so a kernel's IR can exist although part of its text was
lost. A backend that generates code from the IR must not port such a kernel as if it were fine;
:func:`syntax_refusals` names those kernels, each with an error diagnostic at the bad text:

* ``P0020``: a syntax error inside the kernel, in text whose IR came from tree-sitter (where libclang
  parsed a function cleanly, its IR is clang's and tree-sitter's grammar gaps do not count);
* ``P0021``: a syntax error in a device function the kernel calls, directly or not;
* ``P0022``: a syntax error outside every function (a struct, typedef, global, template or stray
  text) that libclang reports too, or that no libclang parse contradicts: the kernels that name
  what it declares are refused, and every kernel when porter cannot tell what it declares;
* ``P0023``: a ``__global__`` function in the text that is missing from the IR (the parser lost it).

Only top-level items in compiled ``#if`` branches count; host functions' errors do not reach
kernels and are left to the frontends' warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from porter.frontends.treesitter import Node, parse_bytes
from porter.frontends.ts_ir import TreeSitterIR, _errors, _template_body

from porter import diagnostics
from porter.diagnostics import Diagnostic, Span
from porter.ir import nodes as N
from porter.ir.module import Function, Module
from porter.ir.walk import walk
from porter.source import SourceFile

#: the frontends' diagnostic for a syntax error inside a function whose IR came from tree-sitter
SYNTAX_WARNING = "P0305"
#: the frontends' note for a libclang error (its span is where clang reported it)
CLANG_NOTE = "P0304"
_NAME_TYPES = {"identifier", "type_identifier", "field_identifier"}
_LAUNCH_BOUNDS = re.compile(r"\b__launch_bounds__\s*\([^()]*\)")
_KERNEL_NAME = re.compile(r"(\w+)\s*(?:<[^<>(){};]*>\s*)?\(")


@dataclass
class SyntaxRefusals:
    """Kernel names (as :attr:`Function.name`) to leave out, and the error diagnostics saying why."""

    kernels: set[str] = field(default_factory=set)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def refuse(self, kernel: str, diag_id: str, message: str, span: Span | None) -> None:
        self.kernels.add(kernel)
        self.diagnostics.append(diagnostics.make(diag_id, message, span))


def syntax_refusals(module: Module, source: SourceFile) -> SyntaxRefusals:
    """The kernels of ``module`` (built from ``source``) that a code generator must not port."""
    found = SyntaxRefusals()
    if not module.functions and any(d.is_error for d in module.diagnostics):
        return found  # the frontend refused the whole file, with its own error
    reader = TreeSitterIR(source)
    root = parse_bytes(reader.data).root_node
    items = list(reader.active_children(root))
    kernels = sorted({f.name for f in module.kernels})
    callers = _callers(module)
    _in_functions(module, source, callers, found)
    _outside_functions(module, source, reader, items, kernels, found)
    _lost_kernels(module, source, reader, items, found)
    return found


# ---------------------------------------------------------------------- errors in functions

def _in_functions(module: Module, source: SourceFile, callers: dict[str, set[str]], found: SyntaxRefusals) -> None:
    for diag in module.diagnostics:
        if diag.id != SYNTAX_WARNING or diag.span is None:
            continue
        fn = _enclosing(module, diag.span, len(source.data.rstrip()))
        where = _where(diag.span)
        if fn is None:
            for kernel in sorted({f.name for f in module.kernels}):
                found.refuse(kernel, "P0022", f"{kernel}: device code at {where} does not parse and porter "
                             "cannot tell whether this kernel depends on it, so it does not port the kernel",
                             diag.span)
            continue
        if fn.is_kernel:
            found.refuse(fn.name, "P0020", f"{fn.name}: the kernel's code at {where} does not parse "
                         f"(`{_excerpt(source, diag.span)}`); porter does not port it", diag.span)
        for kernel in sorted(callers.get(fn.name, ())):
            if kernel != fn.name:
                found.refuse(kernel, "P0021", f"{kernel}: calls {fn.name}, whose code at {where} does not "
                             f"parse (`{_excerpt(source, diag.span)}`); porter does not port the kernel",
                             diag.span)


def _enclosing(module: Module, span: Span, size: int) -> Function | None:
    """The innermost function holding ``span`` (a zero-width span at the end of the file belongs to
    the function that runs to the end: a truncated body)."""
    inside = [f for f in module.functions if f.span.file == span.file and (
              f.span.start <= span.start < f.span.end or (span.start >= size and f.span.end >= size))]
    return min(inside, key=lambda f: f.span.end - f.span.start, default=None)


def _callers(module: Module) -> dict[str, set[str]]:
    """Function name -> the kernels that reach it through calls (a kernel reaches itself)."""
    calls: dict[str, set[str]] = {}
    for fn in module.functions:
        calls.setdefault(fn.name, set()).update(
            n.callee.split("<")[0] for n in walk(fn.body) if isinstance(n, N.Call))
    reached: dict[str, set[str]] = {}
    for kernel in module.kernels:
        seen, stack = set(), [kernel.name]
        while stack:
            name = stack.pop()
            if name in seen:
                continue
            seen.add(name)
            stack.extend(calls.get(name, ()))
        for name in seen:
            reached.setdefault(name, set()).add(kernel.name)
    return reached


# ---------------------------------------------------------------------- errors outside functions

def _outside_functions(module: Module, source: SourceFile, reader: TreeSitterIR, items: list[Node],
                       kernels: list[str], found: SyntaxRefusals) -> None:
    clang_errors = [d.span.start for d in module.diagnostics if d.id == CLANG_NOTE and d.span is not None
                    and d.span.start == d.span.end]
    trust_treesitter = module.frontend == "treesitter"
    for item in items:
        inner = _template_body(item) if item.type == "template_declaration" else item
        if inner is not None and inner.type == "function_definition":
            continue  # a function's errors are the frontends' (P0305) where its IR came from tree-sitter
        if not item.has_error and not item.is_error:
            continue
        if not trust_treesitter and not any(item.start_byte <= o <= item.end_byte for o in clang_errors):
            continue  # libclang read this item cleanly: a gap in tree-sitter's grammar
        bad = (_errors(item) or [item])[0]
        span = source.span(bad.start_byte, max(bad.end_byte, bad.start_byte))
        names = _declared_names(reader, item) if not item.is_error else set()
        users = [k for k in kernels if names and _uses(module, source, k, names)] if names else kernels
        what = (f"declares {', '.join(sorted(names))}, which this kernel uses" if names
                else "porter cannot tell what it declares, so cannot tell whether this kernel depends on it")
        for kernel in users:
            found.refuse(kernel, "P0022", f"{kernel}: the code at {_where(span)} does not parse "
                         f"(`{_excerpt(source, span)}`) and {what}; porter does not port the kernel", span)


def _declared_names(reader: TreeSitterIR, item: Node) -> set[str]:
    """Names an item outside functions declares (its own name and its declarators'), or none when
    it is not a declaration porter can read."""
    names: set[str] = set()
    name = item.child_by_field_name("name")
    if name is not None:
        names.add(reader.text(name))
    type_node = item.child_by_field_name("type")
    if type_node is not None and type_node.child_by_field_name("name") is not None:
        names.add(reader.text(type_node.child_by_field_name("name")))
    for declarator in item.children_by_field_name("declarator"):
        names |= {reader.text(n) for n in _walk(declarator) if n.type in _NAME_TYPES}
    return names


def _uses(module: Module, source: SourceFile, kernel: str, names: set[str]) -> bool:
    """Whether the text of ``kernel`` or of a function it reaches mentions one of ``names``."""
    reached = {f for f, users in _callers(module).items() if kernel in users}
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names)) + r")\b")
    return any(fn.name in reached and pattern.search(_text(source, fn.span)) for fn in module.functions)


# ---------------------------------------------------------------------- kernels the parser lost

def _lost_kernels(module: Module, source: SourceFile, reader: TreeSitterIR, items: list[Node],
                  found: SyntaxRefusals) -> None:
    have = {f.name for f in module.kernels}
    for item in items:
        if b"__global__" not in reader.data[item.start_byte:item.end_byte]:
            continue  # no __global__ token in it (tree-sitter's tokens are the text's)
        for token in _walk(item):
            if token.type != "__global__" or token.is_named:
                continue
            if not _under_error(token, item) and _clean_declaration(token, item):
                continue
            after = _LAUNCH_BOUNDS.sub(" ", reader.text(item)[token.end_byte - item.start_byte:])
            match = _KERNEL_NAME.search(after)
            if match is None or match.group(1) in have:
                continue
            name = match.group(1)
            span = source.span(token.start_byte, token.end_byte)
            found.diagnostics.append(diagnostics.make(
                "P0023", f"kernel {name} at {_where(span)} does not parse, so porter has no IR of it "
                "and does not port it", span))
            have.add(name)


def _under_error(node: Node, top: Node) -> bool:
    while node is not None and node != top.parent:
        if node.is_error:
            return True
        node = node.parent
    return False


def _clean_declaration(token: Node, item: Node) -> bool:
    """A ``__global__`` in a declaration without a body (a prototype, an explicit instantiation)."""
    node = token.parent
    while node is not None and node.type not in ("function_definition", "declaration", "template_instantiation"):
        node = node.parent
    return node is not None and node.type != "function_definition" and not node.has_error


# ---------------------------------------------------------------------- helpers

def _walk(node: Node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _text(source: SourceFile, span: Span) -> str:
    return source.data[span.start:span.end].decode("utf-8", errors="replace")


def _where(span: Span) -> str:
    return f"{span.line}:{span.col}"


def _excerpt(source: SourceFile, span: Span) -> str:
    """The line of the bad text, squashed and cut to 60 characters around it."""
    start = source.data.rfind(b"\n", 0, span.start) + 1
    end = source.data.find(b"\n", span.start)
    line = source.data[start:end if end >= 0 else len(source.data)].decode("utf-8", errors="replace")
    column = len(source.data[start:span.start].decode("utf-8", errors="replace"))
    line = line[max(0, column - 30):column + 30]
    return " ".join(line.split())
