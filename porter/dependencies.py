"""Which files of a tree a source includes, with their hashes: what "up to date" depends on.

``IncludeScanner(root).dependencies("dir/k.cu")`` gives ``{path: sha256 or None}`` for every file
``dir/k.cu`` includes with ``#include "..."``, directly or through other headers, paths relative
to ``root``. ``None`` marks a place the include was looked for and no file was: a header that
appears there later changes what the preprocessor opens, so it must re-port the includer too.

Quoted includes are found with a regular expression over ``#include "..."`` lines rather than
by running a preprocessor, because that is what the preprocessor opens for a quoted include:
the name between the quotes, looked up from the including file's folder. It is conservative:
an include under an ``#if`` that is false (or inside a block comment) still counts as a
dependency, which costs at most an extra re-port, never a stale one. ``<...>`` includes name
system or toolkit headers, which are not part of the tree, and are ignored; so are names that
lead outside the tree.

A quoted name is looked up in the including file's folder, then at the top of the tree (where
projects put the folder they pass with ``-I``); every place up to the first file found is
recorded; then in the project's include folders inside the tree (``include_dirs``: ``-I``),
in their order. Each file is read and hashed once per scanner (one scanner per run).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from pathlib import Path

#: ``#include "name"`` at the start of a line (spaces allowed around ``#``), in bytes.
_QUOTED_INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*"([^"\r\n]+)"', re.MULTILINE)
#: Files larger than this are not scanned (porter refuses to port them anyway).
_MAX_SCAN_BYTES = 64 * 1024 * 1024


class IncludeScanner:
    """Transitive quoted includes of the files under ``root``; each file read once."""

    def __init__(self, root: Path, include_dirs: tuple[str, ...] = ()) -> None:
        self.root = Path(root)
        #: include folders inside the tree, relative to it ("" for the top)
        self.include_dirs = tuple(include_dirs)
        self._files: dict[str, tuple[str | None, tuple[tuple[str, ...], ...]]] = {}

    def dependencies(self, path: str) -> dict[str, str | None]:
        """``{relative path: sha256, or None where no file is}`` of everything ``path`` includes."""
        found: dict[str, str | None] = {}
        todo = [path]
        seen = {path}
        while todo:
            for places in self._scan(todo.pop())[1]:
                for place in places:
                    digest = self._scan(place)[0]
                    if place != path:
                        found[place] = digest
                    if digest is not None:
                        if place not in seen:
                            seen.add(place)
                            todo.append(place)
                        break
        return dict(sorted(found.items()))

    def _scan(self, path: str) -> tuple[str | None, tuple[tuple[str, ...], ...]]:
        """(sha256 or None if there is no readable file, the places each quoted include may name)."""
        if path not in self._files:
            self._files[path] = self._read(path)
        return self._files[path]

    def _read(self, path: str) -> tuple[str | None, tuple[tuple[str, ...], ...]]:
        try:
            with (self.root / path).open("rb") as stream:
                data = stream.read(_MAX_SCAN_BYTES + 1)
        except OSError:  # missing, a folder, unreadable: no file there
            return None, ()
        digest = hashlib.sha256(data).hexdigest()
        if len(data) > _MAX_SCAN_BYTES:
            return digest, ()
        folder = posixpath.dirname(path)
        includes = []
        for match in _QUOTED_INCLUDE.finditer(data):
            name = match.group(1).decode("utf-8", "surrogateescape").strip()
            candidates = (_inside(folder, name), _inside("", name), *(_inside(d, name) for d in self.include_dirs))
            places = tuple(dict.fromkeys(p for p in candidates if p is not None))
            if places:
                includes.append(places)
        return digest, tuple(includes)


def _inside(folder: str, name: str) -> str | None:
    """``folder/name`` normalised, or None when it is absolute or leads outside the tree."""
    if name.startswith("/") or "\\" in name or "\0" in name:
        return None
    joined = posixpath.normpath(posixpath.join(folder, name))
    return None if joined == ".." or joined.startswith("../") or joined == "." else joined


__all__ = ["IncludeScanner"]
