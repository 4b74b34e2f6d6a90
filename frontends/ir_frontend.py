"""``build_ir``: CUDA source -> IR module, choosing the frontend.

``frontend="auto"`` (the default) parses with libclang and, for each function in which clang
reported errors (a missing header's declarations, code clang rejects), takes tree-sitter's IR of
that function instead, with a note; without libclang it uses tree-sitter throughout. clang's errors
outside every function are kept as zero-width ``P0304`` notes where clang reported them, so that
:mod:`porter.frontends.syntax_gate` can tell a broken struct or declaration from a gap in
tree-sitter's grammar.

Project headers (:mod:`porter.frontends.headers`) add their device functions (with bodies) and
globals to the module, as if the file defined them, so that backends can inline helpers a project
keeps in a shared header; a quoted include found nowhere is an error (P0050) naming it.
"""

from __future__ import annotations

import os

from porter.frontends import clang_ir, headers, ts_ir

from porter import diagnostics, limits
from porter.ir.module import Module
from porter.source import SourceFile, load_source

FRONTENDS = ("auto", "clang", "treesitter")


def build_ir(source: str | os.PathLike | SourceFile, frontend: str = "auto") -> Module:
    """The IR module of ``source`` (a path, CUDA text or a SourceFile)."""
    if frontend not in FRONTENDS:
        raise ValueError(f"unknown frontend {frontend!r}; porter has: {', '.join(FRONTENDS)}")
    loaded = source if isinstance(source, SourceFile) else load_source(source)
    deep = limits.nesting_error(loaded)  # before libclang, whose parser segfaults on deep input
    if deep is None and frontend != "treesitter":
        deep = limits.expansion_error(loaded)  # tree-sitter does not expand macros; libclang does
    if deep is not None:
        return Module(loaded.name, frontend, diagnostics=(deep,))
    try:
        module = limits.run_deep(_build_ir, loaded, frontend)
    except RecursionError:
        return Module(loaded.name, frontend, diagnostics=(limits.too_deep(loaded),))
    return limits.run_deep(_with_project_headers, module, loaded, frontend)


def _with_project_headers(module: Module, source: SourceFile, frontend: str) -> Module:
    """``module`` with the device functions and globals of the project headers its file includes
    (those the file does not define itself), and an error for each quoted include found nowhere."""
    scan = headers.scan_includes(source)
    found = scan.diagnostics()
    context = headers.context_of(source)
    have = {(f.name, len(f.params)) for f in module.functions if f.body is not None}
    names = {g.name for g in module.globals}
    functions, globals_ = [], []
    for path in scan.headers:
        header = headers.header_module(path, context, frontend)
        if header is None:
            continue
        broken = {d.span.start for d in header.diagnostics if d.id in ("P0305", "P0032") and d.span is not None}
        for fn in header.functions:
            if fn.is_kernel or fn.body is None or (fn.name, len(fn.params)) in have:
                continue
            if any(fn.span.start <= offset < fn.span.end for offset in broken):
                found.append(diagnostics.make("P0051", f"device function {fn.name} of the project header {path} "
                                              "does not parse; kernels that call it are not ported", fn.span))
                continue
            have.add((fn.name, len(fn.params)))
            functions.append(fn)
        for var in header.globals:
            if var.name not in names:
                names.add(var.name)
                globals_.append(var)
    if not (functions or globals_ or found):
        return module
    # a header's definition replaces the file's bodiless declaration of the same function
    kept = tuple(f for f in module.functions if f.body is not None or (f.name, len(f.params)) not in have)
    return module.replace(functions=kept + tuple(functions), globals=module.globals + tuple(globals_),
                          diagnostics=module.diagnostics + tuple(found))


def _build_ir(loaded: SourceFile, frontend: str) -> Module:
    if frontend == "treesitter":
        return ts_ir.build_module(loaded)
    if not clang_ir.available():
        module = ts_ir.build_module(loaded)
        note = diagnostics.make("P0306", "libclang is not installed; porter used tree-sitter")
        return module.replace(diagnostics=(note, *module.diagnostics))
    try:
        module, errors = clang_ir.build_with_errors(loaded)
    except clang_ir.ClangUnavailable as error:
        module = ts_ir.build_module(loaded)
        note = diagnostics.make("P0304", str(error))
        return module.replace(diagnostics=(note, *module.diagnostics))
    if frontend == "clang" or not errors:
        return module
    return _note_outside_errors(_patch_with_treesitter(module, errors, loaded), errors, loaded)


def _note_outside_errors(module: Module, errors: list[tuple[int, str]], source: SourceFile) -> Module:
    """``module`` with a note for each line holding clang errors outside every function."""
    notes = {}
    for offset, message in errors:
        if any(_inside(f.span, offset, len(source.data.rstrip())) for f in module.functions):
            continue
        span = source.span(offset, offset)
        notes.setdefault(span.line, diagnostics.make("P0304", f"libclang: {message}", span))
    return module.replace(diagnostics=(*module.diagnostics, *notes.values())) if notes else module


def _patch_with_treesitter(module: Module, errors: list[tuple[int, str]], source: SourceFile) -> Module:
    """Functions clang reported errors in, replaced by tree-sitter's IR of them."""
    size = len(source.data.rstrip())
    broken = {f for f in module.functions if any(_inside(f.span, offset, size) for offset, _ in errors)}
    if not broken:
        return module
    fallback = ts_ir.build_module(source)
    by_place = {(f.name, f.template_args, f.span.start): f for f in fallback.functions}
    functions = []
    notes = []
    have = {(f.name, f.template_args, f.span.start) for f in module.functions}
    missing = [f for f in fallback.functions if (f.name, f.template_args, f.span.start) not in have
               and any(_inside(f.span, offset, size) for offset, _ in errors)]
    for fn in module.functions:
        replacement = by_place.get((fn.name, fn.template_args, fn.span.start)) if fn in broken else None
        if replacement is None:
            functions.append(fn)
            if fn in broken:  # tree-sitter cannot read it as a function either
                offset, first = next((o, m) for o, m in errors if _inside(fn.span, o, size))
                notes.append(diagnostics.make("P0305", f"neither libclang ({first}) nor tree-sitter can read "
                                              f"{fn.full_name} here", source.span(offset, offset)))
            continue
        functions.append(replacement)
        first = next(msg for offset, msg in errors if _inside(fn.span, offset, size))
        notes.append(diagnostics.make("P0304", f"libclang could not parse {fn.full_name} ({first}); "
                                      "porter used tree-sitter for it", fn.span))
    functions.extend(missing)
    # tree-sitter's diagnostics in the functions it built, and in those both parsers failed on
    from_treesitter = set(by_place.values()) | broken
    ts_diags = tuple(d for d in fallback.diagnostics
                     if d.span is not None and any(_inside(f.span, d.span.start, size)
                                                   for f in functions if f in from_treesitter))
    kept = tuple(d for d in module.diagnostics
                 if d.span is None or not any(_inside(f.span, d.span.start, size) for f in broken))
    return module.replace(frontend="clang+treesitter", functions=tuple(functions),
                          diagnostics=kept + tuple(notes) + ts_diags)


def _inside(span, offset: int, size: int) -> bool:
    """Whether clang's error at ``offset`` lies in a function spanning ``span``; an error at the end
    of the file's text (``size``: a truncated body, a missing ``}``) belongs to the function that runs
    to the end."""
    return span.start <= offset < span.end or (offset >= size and span.end >= size)
