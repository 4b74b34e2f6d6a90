"""Writing files so that a failure never leaves a half-written output behind, and never replaces
anything but a regular file.

Every write goes to a temporary file beside the destination (``.NAME.XXXXXXXX.porter.tmp``),
which is then renamed over it: readers see the old file or the new one, never a part. A process
killed mid-write can leave such a temporary file; ``porter port`` removes them on its next run
(:func:`remove_temporaries`).

The destination must be a regular file or not exist. A symbolic link, a FIFO, a socket or a
device is refused (renaming over it would replace the node itself, e.g. turn ``/dev/null`` into
a plain file): :class:`~porter.source.InputError` P0040 (a link) or P0041 (a special file).
Callers that want to write *through* to a stream (``-o -``, ``-o /dev/stdout``) check
:func:`is_stdout` first and write to standard output instead.

A full disk (``ENOSPC``, or ``EDQUOT`` for a quota) raises :class:`DiskFullError` (P0042), so
that a batch can stop rather than fail file after file.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from porter.source import InputError

#: The suffix of porter's temporary files; :func:`remove_temporaries` matches the whole pattern.
TEMPORARY_SUFFIX = ".porter.tmp"
_TEMPORARY = re.compile(r"^\..+\.[A-Za-z0-9_]{8}" + re.escape(TEMPORARY_SUFFIX) + "$")
#: Output names that mean "standard output": written through, never replaced.
STDOUT_NAMES = frozenset({"-", "/dev/stdout"})
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


class DiskFullError(InputError):
    """No space left on the device (or the quota is spent) while writing ``path``."""

    DIAG_ID = "P0042"

    def __init__(self, path: Path) -> None:
        super().__init__(self.DIAG_ID, f"disk full: no space left to write {path}",
                         "free some space (or raise the quota) and run again; what was written is kept",
                         str(path))


def is_stdout(path: str | os.PathLike) -> bool:
    """True for ``-`` and ``/dev/stdout``: the caller writes to standard output instead of a file."""
    return os.fspath(path) in STDOUT_NAMES


def check_destination(path: Path) -> None:
    """Raise :class:`InputError` unless ``path`` is a regular file or does not exist (links are not followed)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as error:
        raise output_error(path, error) from None
    if stat.S_ISREG(info.st_mode):
        return
    if stat.S_ISLNK(info.st_mode):
        raise InputError("P0040", f"{path} is a symbolic link; porter does not replace links",
                         "write to the file the link points to, or remove the link", str(path))
    if stat.S_ISDIR(info.st_mode):
        raise InputError("P0008", f"cannot write {path}: it is a folder", "choose a file name", str(path))
    raise InputError("P0041", f"{path} is not a regular file (a FIFO, socket or device); porter writes "
                     "only regular files", "use `-o -` to write to standard output, or choose a file",
                     str(path))


def output_error(path: Path, error: OSError) -> InputError:
    """The :class:`InputError` for an ``OSError`` while writing ``path``."""
    if error.errno in _DISK_FULL:
        return DiskFullError(path)
    return InputError("P0008", f"cannot write {path}: {error.strerror or error}",
                      "check that the output folder exists and is writable", str(path))


def write_atomic(path: Path, fill: Callable[[BinaryIO], object], mode: int | None = None) -> None:
    """Create a temporary file beside ``path``, let ``fill`` write it, then rename it over ``path``.

    ``mode`` is the new file's permission bits; by default those of the file replaced, or 0o666
    less the umask for a new file.
    """
    path = Path(path)
    check_destination(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX, dir=path.parent)
    except OSError as error:
        raise output_error(path, error) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            fill(stream)
        if mode is None:
            mode = path.stat().st_mode & 0o7777 if path.exists() else 0o666 & ~_umask()
        os.chmod(temporary, mode)
        check_destination(path)  # again: it may have changed while the file was written
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise output_error(path, error) from None
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`write_atomic`)."""
    write_atomic(path, lambda stream: stream.write(data))


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def copy_atomic(source: Path, destination: Path) -> None:
    """Stream ``source`` into ``destination`` atomically, keeping its permission bits, without
    holding a large file in memory. A source that cannot be read is P0004."""
    try:
        mode = stat.S_IMODE(source.stat().st_mode)
        stream_in = source.open("rb")
    except OSError as error:
        raise InputError("P0004", f"cannot read {source.name}: {error.strerror or error}") from None
    with stream_in:
        write_atomic(destination, lambda stream: shutil.copyfileobj(stream_in, stream, 1 << 20), mode)


def is_temporary(name: str) -> bool:
    """True for the name of a temporary file :func:`write_atomic` creates."""
    return bool(_TEMPORARY.match(name))


def remove_temporaries(root: Path, keep: Callable[[str], bool] = lambda relative: False) -> int:
    """Remove the temporary files a killed writer left under ``root`` (links are not followed);
    ``keep(relative_path)`` spares a file. Returns how many were removed."""
    removed = 0
    for folder, folders, files in os.walk(root):
        for name in files:
            if is_temporary(name):
                path = Path(folder) / name
                if keep(path.relative_to(root).as_posix()):
                    continue
                try:
                    path.unlink()
                    removed += 1
                except OSError:
                    pass
    return removed


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
