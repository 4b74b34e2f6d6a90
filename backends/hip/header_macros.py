"""Object-like macros (`#define WARP_MASK 0xffffffff`) of the project headers a file includes.

Headers are found as project_symbols finds them (a quoted include beside the including file,
then the project's include folders; angled includes only in those folders) and followed
transitively. Each header's macros are cached by the sha256 of its content. A file's own
definitions come first; among headers, the first definition reached wins.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path

from porter.backends.hip.constants import strip_comments
from porter.backends.hip.project_symbols import MAX_DEPTH, MAX_HEADER_BYTES, _resolve_all, includes_of
from porter.frontends.treesitter import CudaSyntax, Region, parse_bytes

_CACHE: dict[str, tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]] = {}
_LOCK = threading.Lock()


def header_macros(syntax: CudaSyntax, path: Path | None, include_dirs: Sequence[str | Path] = ()) -> dict[str, str]:
    """name -> body of every object-like macro the project headers reachable from the file define."""
    if path is None:
        return {}
    quoted, angled = includes_of(syntax.file_region())
    folders = tuple(Path(d) for d in include_dirs)
    found: dict[str, str] = {}
    seen: set[Path] = set()
    pending = [(h, 0) for h in reversed(_resolve_all(Path(path).parent, quoted, angled, folders))]
    while pending:
        header, depth = pending.pop()
        if header in seen or depth > MAX_DEPTH:
            continue
        seen.add(header)
        scanned = _scan(header)
        if scanned is None:
            continue
        macros, sub_quoted, sub_angled = scanned
        for name, value in macros.items():
            found.setdefault(name, value)
        pending += [(h, depth + 1) for h in reversed(_resolve_all(header.parent, sub_quoted, sub_angled, folders))]
    return found


def _scan(path: Path) -> tuple[dict[str, str], tuple[str, ...], tuple[str, ...]] | None:
    try:
        if path.stat().st_size > MAX_HEADER_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    key = hashlib.sha256(data).hexdigest()
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    region = Region(parse_bytes(data).root_node, data)
    macros: dict[str, str] = {}
    for node in region.find({"preproc_def"}, region.root):
        name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        if name is not None and value is not None:
            macros.setdefault(region.text(name), strip_comments(region.text(value)))
    result = (macros, *includes_of(region))
    with _LOCK:
        _CACHE[key] = result
    return result
