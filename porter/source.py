"""Loading CUDA source text, from a path or a string, with clear errors for bad input.

Positions: porter works on the UTF-8 bytes of a file (tree-sitter's spans are byte offsets);
``SourceFile.span`` turns a byte range into a :class:`~porter.diagnostics.Span` with 1-based
line and column (columns count characters, as editors do).
"""

from __future__ import annotations

import bisect
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from porter.diagnostics import Span

#: Files larger than this are refused: CUDA sources are text, and a huge file is almost always a
#: mistake (a binary, a generated blob) that would only waste time.
MAX_SOURCE_BYTES = 64 * 1024 * 1024


class InputError(Exception):
    """Bad input from the user (missing file, binary file, ...). Carries a diagnostic id."""

    def __init__(self, diag_id: str, message: str, hint: str | None = None, path: str | None = None):
        super().__init__(message)
        self.diag_id = diag_id
        self.message = message
        self.hint = hint
        self.path = path


@dataclass
class SourceFile:
    name: str
    text: str
    path: Path | None = None
    data: bytes = field(init=False, repr=False)
    _line_starts: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        try:
            self.data = self.text.encode("utf-8")
        except UnicodeEncodeError:
            check_text(self.text, self.name)  # raises P0031, with the place
            raise
        self._line_starts = [0]
        for index, byte in enumerate(self.data):
            if byte == 0x0A:
                self._line_starts.append(index + 1)

    @property
    def line_count(self) -> int:
        return self.text.count("\n") + (0 if self.text.endswith("\n") or not self.text else 1)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a byte offset; the column counts characters."""
        line_index = bisect.bisect_right(self._line_starts, offset) - 1
        start = self._line_starts[line_index]
        column = len(self.data[start:offset].decode("utf-8", errors="replace")) + 1
        return line_index + 1, column

    def line_span(self, line: int) -> Span:
        """The span of a whole 1-based line (clamped to the file)."""
        index = max(0, min(line, len(self._line_starts)) - 1)
        start = self._line_starts[index]
        end = self.data.find(b"\n", start)
        return self.span(start, end if end >= 0 else len(self.data))

    def span(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(end)
        return Span(self.name, start, end, line, col, end_line, end_col)


def load_source(source: str | os.PathLike, *, name: str | None = None) -> SourceFile:
    """A SourceFile from a path (``Path`` or an existing file's name) or from CUDA text itself.

    A ``str`` is taken as a path when it names an existing file or has no newline and ends in a
    CUDA/C++ suffix; otherwise it is source text.
    """
    if isinstance(source, os.PathLike) or _looks_like_path(source):
        return read_source_file(Path(source))
    name = name or "<string>"
    return SourceFile(name, check_text(source, name))


_PATH_SUFFIXES = (".cu", ".cuh", ".h", ".hpp", ".cpp", ".cc", ".cxx", ".c", ".inl", ".hip")


def _looks_like_path(text: str) -> bool:
    """One line without C punctuation is a path (existing or not, so a typo gets "no such file")."""
    if "\n" in text or len(text) > 4096 or not text.strip():
        return False
    return os.path.exists(text) or not any(c in text for c in ";{}()#<>=")


def read_source_file(path: Path) -> SourceFile:
    return SourceFile(str(path), decode_source(read_source_bytes(path, str(path)), str(path)), path)


def read_source_bytes(path: Path, name: str) -> bytes:
    """The bytes of the regular file ``path`` (``name`` in messages), at most MAX_SOURCE_BYTES.

    Devices, FIFOs and sockets are refused before they are opened (``/dev/zero`` never ends, a
    FIFO blocks); the size is checked on what is read, not on what ``stat`` says.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError("P0001", f"no such file: {name}", "check the path", name) from None
    except OSError as error:
        raise InputError("P0004", f"cannot read {name}: {error.strerror or error}", None, name) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError("P0002", f"{name} is a directory, not a file",
                         "use `porter port DIR --out OUT_DIR` to port a whole tree", name)
    if not stat.S_ISREG(info.st_mode):
        raise InputError("P0030", f"{name} is a {_file_type(info.st_mode)}, not a regular file", None, name)
    try:
        # O_NONBLOCK: a FIFO swapped in after the check does not block the open
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise InputError("P0030", f"{name} is not a regular file", None, name)
            data = handle.read(MAX_SOURCE_BYTES + 1)
    except PermissionError:
        raise InputError("P0004", f"cannot read {name}: permission denied", None, name) from None
    except OSError as error:
        raise InputError("P0004", f"cannot read {name}: {error.strerror or error}", None, name) from None
    if len(data) > MAX_SOURCE_BYTES:
        raise InputError("P0003", f"{name} is larger than porter accepts ({MAX_SOURCE_BYTES} bytes)", None, name)
    return data


def _file_type(mode: int) -> str:
    for test, label in ((stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                        (stat.S_ISFIFO, "FIFO (named pipe)"), (stat.S_ISSOCK, "socket")):
        if test(mode):
            return label
    return "special file"


def check_text(text: str, name: str) -> str:
    """``text`` itself, or InputError P0031 when it holds a lone surrogate (no UTF-8 encoding)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        line = text.count("\n", 0, error.start) + 1
        column = error.start - (text.rfind("\n", 0, error.start) + 1) + 1
        raise InputError("P0031", f"{name}: not valid Unicode: lone surrogate "
                         f"U+{ord(text[error.start]):04X} at line {line} col {column}", None, name) from None
    return text


def decode_source(data: bytes, name: str) -> str:
    if b"\x00" in data[:8192]:
        raise InputError("P0005", f"{name} looks like a binary file (it contains NUL bytes)",
                         "porter translates CUDA source text", name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError("P0006", f"{name}:{line}: not valid UTF-8 (byte 0x{data[error.start]:02x} "
                         f"at offset {error.start})", "convert the file to UTF-8, e.g. with iconv",
                         name) from None
    return text
