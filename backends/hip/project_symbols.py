"""The names a project declares itself: in the file, and in the headers it includes.

A name the project declares (a function, macro, variable, parameter, type, enum constant or
namespace; also a local declared inside a macro body) is the project's own, never an unknown CUDA API, whatever its shape: ``cudaCheck``,
``CUDA_SAFE_CALL``, ``cublas_handle``. Headers are found as the preprocessor finds them: a quoted
``#include "x.cuh"`` beside the including file, then in the include folders given; an angled
``#include <x.h>`` only in the include folders given (never in the system's). Each header is
parsed once per process: its scan is cached by the sha256 of its content, so the many files of a
project that share a header pay for it once.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from porter.frontends.treesitter import CudaSyntax, Node, Region, parse_bytes

#: Headers larger than this are not scanned (a generated table, not declarations).
MAX_HEADER_BYTES = 8 * 1024 * 1024
#: How deep includes are followed from the file (cycles are cut by remembering each header).
MAX_DEPTH = 32

#: Nodes that declare the name in their ``declarator`` field(s).
_DECLARATIONS = frozenset({"declaration", "field_declaration", "parameter_declaration",
                           "optional_parameter_declaration", "function_definition", "type_definition"})
#: Nodes that declare the name in their ``name`` field.
_NAMED = frozenset({"preproc_def", "preproc_function_def", "enumerator", "alias_declaration",
                    "namespace_definition", "type_parameter_declaration"})
#: Struct-like specifiers declare their name only where they have a body (``struct S {...}``);
#: ``struct cudaDeviceProp p;`` names CUDA's type, it does not declare one.
_TYPE_SPECIFIERS = frozenset({"struct_specifier", "class_specifier", "union_specifier", "enum_specifier"})
#: Declarator wrappers around the declared name.
_WRAPPERS = frozenset({"pointer_declarator", "reference_declarator", "array_declarator", "function_declarator",
                       "init_declarator", "attributed_declarator", "parenthesized_declarator"})
#: Subtrees a header scan does not enter: function bodies and the expressions of initializers.
_OPAQUE_BODIES = frozenset({"compound_statement", "initializer_list", "argument_list", "preproc_arg",
                            "comment", "string_literal"})
_NAME_LEAVES = frozenset({"identifier", "type_identifier", "field_identifier", "namespace_identifier"})


@dataclass(frozen=True)
class HeaderScan:
    names: frozenset[str]
    quoted: tuple[str, ...]   # #include "..." spellings, in order
    angled: tuple[str, ...]   # #include <...> spellings, in order


_SCANS: dict[str, HeaderScan] = {}
_LOCK = threading.Lock()


def declared_names(region: Region) -> set[str]:
    """The names declared anywhere in ``region`` (found through its shared node index)."""
    return _names_of(region, region.find(_DECLARATIONS | _NAMED | _TYPE_SPECIFIERS))


def scan_visible(region: Region) -> HeaderScan:
    """What a header declares for the files that include it, and what it includes: everything
    outside function bodies (whose locals the includer cannot see), found without walking into
    those bodies."""
    found, includes, stack = [], [], [region.root]
    while stack:
        node = stack.pop()
        if node.type in _DECLARATIONS or node.type in _NAMED or node.type in _TYPE_SPECIFIERS:
            found.append(node)
        elif node.type == "preproc_include":
            includes.append(node)
        stack.extend(child for child in node.named_children if child.type not in _OPAQUE_BODIES)
    includes.sort(key=lambda n: n.start_byte)
    return HeaderScan(frozenset(_names_of(region, found)), *_include_spellings(region, includes))


def _names_of(region: Region, nodes: Iterable[Node]) -> set[str]:
    names: set[str] = set()
    for node in nodes:
        if node.type in _DECLARATIONS:
            targets = node.children_by_field_name("declarator")
        elif node.type in _TYPE_SPECIFIERS:
            targets = [node.child_by_field_name("name")] if node.child_by_field_name("body") is not None else []
        else:
            targets = [node.child_by_field_name("name")]
        for target in targets:
            name = _declared_name(target)
            if name is not None:
                names.add(region.text(name))
    return names


def _file_names(syntax: CudaSyntax) -> set[str]:
    """Names declared in the file and inside its macro bodies (``cudaError_t err = call;`` in a
    checking macro declares ``err``)."""
    names: set[str] = set()
    for region in syntax.regions():
        names |= declared_names(region)
    return names


def _declared_name(node: Node | None) -> Node | None:
    while node is not None and node.type not in _NAME_LEAVES:
        if node.type == "qualified_identifier":
            node = node.child_by_field_name("name")
        elif node.type == "parenthesized_declarator":
            node = node.named_children[0] if node.named_children else None
        elif node.type in _WRAPPERS:
            node = node.child_by_field_name("declarator")
        else:
            return None
    return node


def includes_of(region: Region) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(quoted, angled) include spellings of a file, in order."""
    return _include_spellings(region, region.find({"preproc_include"}))


def _include_spellings(region: Region, includes: Iterable[Node]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    quoted, angled = [], []
    for include in includes:
        path = include.child_by_field_name("path")
        if path is None:
            continue
        text = region.text(path)
        if path.type == "string_literal" and len(text) >= 2:
            quoted.append(text[1:-1])
        elif path.type == "system_lib_string" and len(text) >= 2:
            angled.append(text[1:-1])
    return tuple(quoted), tuple(angled)


def scan_header(data: bytes) -> HeaderScan:
    """A header's declared names and includes, cached by the sha256 of its content."""
    key = hashlib.sha256(data).hexdigest()
    with _LOCK:
        found = _SCANS.get(key)
    if found is not None:
        return found
    scan = scan_visible(Region(parse_bytes(data).root_node, data))  # macro bodies are not parsed
    with _LOCK:
        _SCANS[key] = scan
    return scan


def cache_size() -> int:
    """How many distinct header contents this process has scanned."""
    with _LOCK:
        return len(_SCANS)


def project_names(syntax: CudaSyntax, path: Path | None, include_dirs: Sequence[str | Path] = ()) -> frozenset[str]:
    """Every name the file at ``path`` (parsed as ``syntax``) and the project headers it reaches
    declare. A file without a path (CUDA text given as a string) has only its own names."""
    names = _file_names(syntax)
    quoted, angled = includes_of(syntax.file_region())
    if path is None:
        return frozenset(names)
    folders = tuple(Path(d) for d in include_dirs)
    seen: set[Path] = set()
    pending = [(header, 0) for header in _resolve_all(Path(path).parent, quoted, angled, folders)]
    while pending:
        header, depth = pending.pop()
        if header in seen or depth > MAX_DEPTH:
            continue
        seen.add(header)
        scan = _scan_file(header)
        if scan is None:
            continue
        names |= scan.names
        pending += [(h, depth + 1) for h in _resolve_all(header.parent, scan.quoted, scan.angled, folders)]
    return frozenset(names)


def _resolve_all(folder: Path, quoted: Iterable[str], angled: Iterable[str], include_dirs: tuple[Path, ...]) -> list[Path]:
    found = [_resolve(spelling, (folder, *include_dirs)) for spelling in quoted]
    found += [_resolve(spelling, include_dirs) for spelling in angled]
    return [path for path in found if path is not None]


def _resolve(spelling: str, folders: Iterable[Path]) -> Path | None:
    for folder in folders:
        candidate = folder / spelling
        try:
            if candidate.is_file():
                return candidate.resolve()
        except OSError:  # a name too long for the file system, a loop of links
            continue
    return None


def _scan_file(path: Path) -> HeaderScan | None:
    try:
        if path.stat().st_size > MAX_HEADER_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None  # unreadable headers declare nothing porter can see
    return scan_header(data)
