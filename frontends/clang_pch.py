"""porter's CUDA prelude as a precompiled header, so that libclang parses it once per process.

Parsing the prelude (:mod:`porter.frontends.prelude`: some 500 declarations) is most of the time
libclang takes over a small CUDA file. :func:`prelude_pch` compiles it once per process and per
set of clang arguments (the project's ``-D``, ``-I`` and ``-std`` change what the prelude means)
into a PCH in a private temporary folder; :mod:`porter.frontends.clang_ir` then parses each file
with ``-include-pch`` in place of ``-include``. The PCH is built from a one-line header that
includes the prelude by its usual name, so every declaration keeps its file
(``/__porter__/porter_cuda_prelude.h``), its ``#pragma clang system_header`` and its order: the
translation unit is the same one, only read faster.

When clang cannot build the PCH (an error while compiling the prelude with these arguments), or a
process has built :data:`MAX_PCHS` of them, :func:`prelude_pch` returns None and the parse includes
the prelude's text, so clang reports what it reports there.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import threading

from porter.frontends import clang_api as api
from porter.frontends.prelude import PRELUDE_NAME, prelude_text

#: the header the PCH is compiled from (an unsaved file): it includes the prelude, as ``-include`` does
PCH_MAIN = "/__porter__/porter_prelude_pch.h"

#: PCHs one process keeps at most (each about 0.5 MB; one per distinct set of arguments)
MAX_PCHS = 64

_lock = threading.Lock()
_built: dict[tuple[str, ...], str | None] = {}
_serial = itertools.count()  # of the PCH files' names
_folder: dict[str, object] = {"pid": None, "path": None}


def prelude_pch(args: tuple[str, ...]) -> str | None:
    """The path of the prelude's PCH for a parse with ``args`` (the parse's arguments without the
    prelude's ``-include``), or None when clang cannot compile the prelude with them."""
    with _lock:
        folder = _process_folder()
        if args in _built:
            path = _built[args]
            if path is None or os.path.exists(path):
                return path
        if len(_built) >= MAX_PCHS:
            return None  # a process seeing ever new arguments: parse the text, keep the disk
        path = _built[args] = _build(args, os.path.join(folder, f"prelude-{next(_serial)}.pch"))
        return path


def _process_folder() -> str:
    """This process's PCH folder (a forked child makes its own: its parent removes its folder at exit)."""
    if _folder["pid"] != os.getpid() or not os.path.isdir(str(_folder["path"])):
        path = tempfile.mkdtemp(prefix="porter-pch-")
        _folder.update(pid=os.getpid(), path=path)
        _built.clear()
        atexit.register(_remove, path, os.getpid())
    return str(_folder["path"])


def _remove(path: str, pid: int) -> None:
    if os.getpid() == pid:
        shutil.rmtree(path, ignore_errors=True)


def _build(args: tuple[str, ...], path: str) -> str | None:
    ci = api.cindex()
    unsaved = [(PCH_MAIN, f'#include "{PRELUDE_NAME}"\n'), (PRELUDE_NAME, prelude_text())]
    try:
        with api.parse_here():
            tu = api.index().parse(PCH_MAIN, args=list(args), unsaved_files=unsaved,
                                   options=ci.TranslationUnit.PARSE_INCOMPLETE)
        if any(d.severity >= 3 for d in tu.diagnostics):
            return None
        tu.save(path)
    except (ci.TranslationUnitLoadError, ci.TranslationUnitSaveError):
        return None
    return path
