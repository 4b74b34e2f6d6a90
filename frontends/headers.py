"""The project headers a file includes: where they are, which are missing, what they provide.

Includes are looked up as the preprocessor looks them up: ``#include "x.h"`` in the including
file's folder, then in the project's include folders (:class:`porter.project.ProjectContext`);
``#include <x.h>`` in the include folders only. A header found so is a *project header*: libclang
parses it for real, and both frontends take from it what kernels need (its macros, typedefs,
structs, constants and function signatures: :func:`header_facts`; its device functions with their
bodies: :func:`header_functions`). What is not found is left out (an empty header): silently for
``<...>`` (system and toolkit headers, which porter's CUDA prelude stands in for) and for quoted
names of CUDA toolkit headers; with error P0050 for any other quoted include.

Each header is read once per process (keyed by path, size and mtime) and what is built from it is
cached by its content hash, its path and the context, so the many files of a project that share a
header pay for it once.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from porter import diagnostics
from porter.frontends import conditionals
from porter.diagnostics import Diagnostic, Span
from porter.project import ProjectContext
from porter.source import SourceFile

#: ``#include "name"`` or ``#include <name>`` at the start of a line
_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\r\n]+)[>"]', re.MULTILINE)
#: quoted includes that name CUDA toolkit or C/C++ library headers (porter's prelude stands in for them)
_TOOLKIT = re.compile(r"^(?:cuda\w*|cuComplex|cuda_fp16|curand\w*|cublas\w*|cufft\w*|cusparse\w*|cusolver\w*|"
                      r"nvrtc|nvToolsExt\w*|nvtx3/.*|thrust/.*|cub/.*|cuda/.*|cooperative_groups(?:/.*)?|"
                      r"sm_\d+_\w+|device_launch_parameters|device_functions|device_atomic_functions|"
                      r"math_constants|math_functions|vector_types|vector_functions|driver_types|host_defines|"
                      r"crt/.*|mma|npp\w*|std\w+|math|float|limits|assert|string|time|omp|mpi|"
                      r"c(?:stdio|stdlib|stdint|stddef|string|math|limits|float|assert|time|errno))"
                      r"(?:\.h|\.hpp|\.cuh)?$")
#: headers larger than this are not parsed (a generated table, not declarations)
MAX_HEADER_BYTES = 8 * 1024 * 1024
#: how deep includes are followed
MAX_DEPTH = 32


@dataclass(frozen=True)
class Include:
    """One ``#include`` of a file: its spelling, where it is, and the header it names (or None)."""

    spelling: str
    quoted: bool
    file: str          # the including file's name (as its spans name it)
    start: int
    end: int
    line: int
    path: str | None   # the project header found, absolute


@dataclass
class IncludeScan:
    """The transitive includes of a file: project headers (in first-include order) and the rest."""

    headers: list[str] = field(default_factory=list)
    missing: list[Include] = field(default_factory=list)     # quoted, not found, not a toolkit header
    blank: list[str] = field(default_factory=list)            # spellings to stand in for with empty files
    include_dirs: tuple[str, ...] = ()                        # the include path searched after the file's folder

    def diagnostics(self) -> list[Diagnostic]:
        out = []
        for include in self.missing:
            span = Span(include.file, include.start, include.end, include.line, 1, include.line,
                        include.end - include.start + 1)
            out.append(diagnostics.make(
                "P0050", f'#include "{include.spelling}" (line {include.line} of {include.file}) is not in the '
                "including file's folder nor on the include path; porter read the file without it", span,
                missing_hint(include.spelling, self.include_dirs)))
        return out


def missing_hint(spelling: str, include_dirs: tuple[str, ...]) -> str:
    """What to pass for a missing include: the -I folders that do not exist (a mistyped flag, or
    a folder another build step or another checkout provides), else the folders searched."""
    absent = [d for d in include_dirs if not os.path.isdir(d)]
    if absent:
        return (f"the include folder{'s' if len(absent) > 1 else ''} {', '.join(absent)} "
                f"{'do' if len(absent) > 1 else 'does'} not exist: create {'them' if len(absent) > 1 else 'it'} "
                f"(or fix the -I), or pass -I DIR naming the folder that holds {spelling}")
    searched = f" (searched the including file's folder{', ' if include_dirs else ''}{', '.join(include_dirs)})"
    return f"pass -I DIR naming the folder that holds {spelling}, or --compile-commands FILE{searched}"


def context_of(source: SourceFile) -> ProjectContext:
    return source.project if isinstance(source.project, ProjectContext) else ProjectContext()


def scan_includes(source: SourceFile) -> IncludeScan:
    """The project headers ``source`` reaches, the quoted includes that are missing, and every
    spelling no file was found for. A missing include in a branch the preprocessor surely skips
    (:mod:`porter.frontends.conditionals`: ``#ifdef PAPI`` when no -D and no file of the scan
    defines PAPI) is not reported; headers found are read whatever branch includes them."""
    context = context_of(source)
    scan = IncludeScan(include_dirs=context.include_dirs)
    seen: set[str] = set()
    blank: dict[str, None] = {}
    texts: dict[str, bytes] = {source.name: source.data}
    folder = str(source.path.resolve().parent) if source.path is not None else None
    pending = [(source.name, folder, source.data, 0)]
    while pending:
        name, here, data, depth = pending.pop(0)
        texts[name] = data
        for include in includes_in(name, here, data, context):
            if include.path is None:
                blank[include.spelling] = None
                if include.quoted and not _is_toolkit(include.spelling, context):
                    scan.missing.append(include)
                continue
            if include.path in seen or depth >= MAX_DEPTH:
                continue
            seen.add(include.path)
            scan.headers.append(include.path)
            text = read_header(include.path)
            if text is not None:
                pending.append((include.path, os.path.dirname(include.path), text, depth + 1))
    scan.blank = list(blank)
    if scan.missing:
        scan.missing = _reached(scan.missing, texts, context)
    return scan


def _reached(missing: list[Include], texts: dict[str, bytes], context: ProjectContext) -> list[Include]:
    """The missing includes not in a branch surely skipped (names a file of the scan defines have
    unknown values; a missing file is taken to define nothing)."""
    maybe = set().union(*(conditionals.defined_names(t) for t in texts.values())) - set(context.macros())
    macros = context.macros()
    skipped = {name: conditionals.skipped_ranges(data, macros, maybe) for name, data in texts.items()}
    return [i for i in missing if not conditionals.inside(i.start, skipped.get(i.file, []))]


def includes_in(name: str, folder: str | None, data: bytes, context: ProjectContext) -> list[Include]:
    """The includes written in ``data`` (a file named ``name`` in ``folder``), each resolved."""
    out = []
    for match in _INCLUDE.finditer(data):
        quoted = match.group(1) == b'"'
        spelling = match.group(2).decode("utf-8", errors="replace").strip()
        line = data.count(b"\n", 0, match.start()) + 1
        path = resolve(spelling, quoted, folder, context)
        out.append(Include(spelling, quoted, name, match.start(), match.end(), line, path))
    return out


def resolve(spelling: str, quoted: bool, folder: str | None, context: ProjectContext) -> str | None:
    """The project header an include names, or None (absolute names are never project headers)."""
    if os.path.isabs(spelling):
        return None
    places = ([folder] if quoted and folder else []) + list(context.include_dirs)
    for place in places:
        candidate = os.path.join(place, spelling)
        try:
            if os.path.isfile(candidate):
                resolved = str(Path(candidate).resolve())
                if context.cuda_path and resolved.startswith(os.path.join(context.cuda_path, "")):
                    return None  # the toolkit's own header: porter's prelude stands in for it
                return resolved
        except OSError:
            continue
    return None


def _is_toolkit(spelling: str, context: ProjectContext) -> bool:
    if _TOOLKIT.match(spelling):
        return True
    return bool(context.cuda_path) and os.path.isfile(os.path.join(context.cuda_path, "include", spelling))


# ---------------------------------------------------------------------- reading headers

_TEXTS: dict[tuple[str, int, int], bytes | None] = {}
_LOCK = threading.RLock()


def read_header(path: str) -> bytes | None:
    """A header's bytes (None when unreadable or too large), read once per (path, size, mtime)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    key = (path, info.st_size, info.st_mtime_ns)
    with _LOCK:
        if key in _TEXTS:
            return _TEXTS[key]
    data: bytes | None
    if info.st_size > MAX_HEADER_BYTES:
        data = None
    else:
        try:
            data = Path(path).read_bytes()
        except OSError:
            data = None
    with _LOCK:
        _TEXTS[key] = data
    return data


def header_text(path: str) -> str:
    """A header's text ("" when it cannot be read): for code that slices a header's spans."""
    data = read_header(path)
    return data.decode("utf-8", errors="replace") if data is not None else ""


def header_source(path: str, context: ProjectContext) -> SourceFile | None:
    data = read_header(path)
    if data is None:
        return None
    try:
        return SourceFile(path, data.decode("utf-8", errors="replace"), Path(path), context)
    except Exception:  # noqa: BLE001 - a header porter cannot load provides nothing
        return None


# ---------------------------------------------------------------------- what a header provides

_FACTS: dict[tuple, object] = {}
_MODULES: dict[tuple, object] = {}
_BUSY = threading.local()


def _key(path: str, context: ProjectContext, *extra) -> tuple | None:
    data = read_header(path)
    if data is None:
        return None
    return (path, hashlib.sha256(data).hexdigest(), context, *extra)


def _busy() -> set:
    if not hasattr(_BUSY, "paths"):
        _BUSY.paths = set()
    return _BUSY.paths


def header_facts(path: str, context: ProjectContext):
    """What tree-sitter reads from a header's declarations (:class:`porter.frontends.ts_ir.HeaderFacts`),
    or None for a header that cannot be read or is already being read (an include cycle)."""
    key = _key(path, context)
    if key is None or path in _busy():
        return None
    with _LOCK:
        if key in _FACTS:
            return _FACTS[key]
    from porter.frontends.ts_ir import read_header_facts

    source = header_source(path, context)
    if source is None:
        return None
    _busy().add(path)
    try:
        facts = read_header_facts(source)
    finally:
        _busy().discard(path)
    with _LOCK:
        _FACTS[key] = facts
    return facts


def header_module(path: str, context: ProjectContext, frontend: str):
    """The IR module of a header on its own (its device functions, with bodies), or None."""
    key = _key(path, context, frontend)
    if key is None or path in _busy():
        return None
    with _LOCK:
        if key in _MODULES:
            return _MODULES[key]
    from porter.frontends.ir_frontend import build_ir

    source = header_source(path, context)
    if source is None:
        return None
    _busy().add(path)
    try:
        module = build_ir(source, frontend)
    finally:
        _busy().discard(path)
    with _LOCK:
        _MODULES[key] = module
    return module


def cache_size() -> int:
    """How many header IR modules this process holds."""
    with _LOCK:
        return len(_MODULES)


__all__ = ["Include", "IncludeScan", "header_facts", "header_module", "header_text", "read_header", "resolve",
           "scan_includes"]
