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
from typing import Any

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
    #: how the project compiles it (a :class:`porter.project.ProjectContext`), or None
    project: Any = field(default=None, compare=False)
    #: the file's encoding: "utf-8", or "latin-1" for any other 8-bit text (see ``decode_bytes``);
    #: ``text`` is then one character per byte, and ``encode`` gives the bytes back exactly
    encoding: str = field(default="utf-8", compare=False)
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

    def encode(self, text: str) -> bytes:
        """``text`` (this file's, or a rewrite of it) in the file's own encoding.

        A rewrite of an 8-bit file can only hold characters that encoding has: porter's edits are
        ASCII, so this fails only when one brings in a character the file could not hold.
        """
        try:
            return text.encode(self.encoding)
        except UnicodeEncodeError as error:
            raise InputError("P0031", f"{self.name}: the output holds {text[error.start]!r}, which the "
                             f"source's 8-bit encoding cannot hold", "convert the source to UTF-8",
                             self.name) from None

    @property
    def non_utf8_offset(self) -> int | None:
        """For a file read byte for byte (not UTF-8): the offset, in ``data``, of its first non-ASCII byte."""
        if self.encoding == "utf-8":
            return None
        index = next((i for i, c in enumerate(self.text) if ord(c) > 0x7F), 0)
        return len(self.text[:index].encode("utf-8"))

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
    return source_from_bytes(str(path), read_source_bytes(path, str(path)), path)


def source_from_bytes(name: str, data: bytes, path: Path | None = None, project: Any = None) -> SourceFile:
    """A SourceFile from a file's bytes: UTF-8 when they are valid UTF-8, else 8-bit text read byte
    for byte (see ``decode_bytes``)."""
    text, encoding = decode_bytes(data, name)
    return SourceFile(name, text, path, project=project, encoding=encoding)


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
    """The text of a file's bytes (see ``decode_bytes``)."""
    return decode_bytes(data, name)[0]


def decode_bytes(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding) of a file's bytes: UTF-8 when valid, else "latin-1".

    Source files in other 8-bit encodings (Latin-1, CP-1252, ...) differ from ASCII only in
    comments and literals; decoding them as Latin-1 maps each byte to the one character of the same
    value, so the text encodes back to exactly the same bytes, and a rewrite that edits only ASCII
    names leaves every other byte as it was. NUL bytes mean a binary file (P0005).
    """
    if b"\x00" in data[:8192]:
        raise InputError("P0005", f"{name} looks like a binary file (it contains NUL bytes)",
                         "porter translates CUDA source text", name)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"
