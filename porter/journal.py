"""An append-only journal of JSON lines that survives the process being killed at any point.

Each :meth:`Journal.append` writes one line with a single ``write(2)`` on a file opened with
``O_APPEND``: once it returns, the line is in the kernel and survives a SIGKILL or an OOM kill of
the writer. For a crash of the machine itself, lines are ``fsync``'d in groups: at most every
``sync_interval`` seconds and on :meth:`Journal.close`, so a power loss forgets at most that
much (the work it describes is then simply done again). :func:`read_journal` ignores a line that
is not complete JSON, such as the last one of a writer killed mid-line.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from porter.atomic import check_destination, output_error

#: Seconds between two fsyncs of the journal (group commit): a line is written at once, but
#: made durable against a power loss within this time.
SYNC_INTERVAL = 0.2


class Journal:
    """Append JSON objects, one a line, to ``path`` (created if missing, never truncated)."""

    def __init__(self, path: Path, sync_interval: float = SYNC_INTERVAL) -> None:
        self.path = Path(path)
        self._interval = sync_interval
        check_destination(self.path)
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0), 0o666)
            # A line cut short by a killed writer must not swallow the next one.
            if os.fstat(self._fd).st_size and not _ends_with_newline(self.path):
                os.write(self._fd, b"\n")
            os.fsync(self._fd)
        except OSError as error:
            raise output_error(self.path, error) from None
        self._synced = time.monotonic()
        self._dirty = False

    def append(self, entry: dict[str, Any]) -> None:
        """Write one line; raises :class:`~porter.source.InputError` (P0042 for a full disk)."""
        line = (json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n").encode()
        try:
            written = os.write(self._fd, line)
            if written != len(line):  # a short write: the disk filled up mid-line
                raise OSError(28, "No space left on device")
            self._dirty = True
            if time.monotonic() - self._synced >= self._interval:
                self.sync()
        except OSError as error:
            raise output_error(self.path, error) from None

    def sync(self) -> None:
        if self._dirty:
            os.fsync(self._fd)
            self._dirty = False
        self._synced = time.monotonic()

    def close(self) -> None:
        if self._fd < 0:
            return
        try:
            self.sync()
        except OSError as error:
            raise output_error(self.path, error) from None
        finally:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def read_journal(path: Path) -> list[dict[str, Any]]:
    """The complete JSON-object lines of ``path`` in order ([] if it is missing or unreadable)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return []
    entries = []
    for line in data.split(b"\n"):
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut short by a killed writer, or garbage
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as stream:
        stream.seek(-1, os.SEEK_END)
        return stream.read(1) == b"\n"
