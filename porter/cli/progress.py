"""Progress of a long command on stderr: a rich bar on a terminal, plain lines anywhere else.

A log, a CI job or a pipe gets one line such as ``porter check: 120/1320 cases, 3 failed,
2m10s`` once at least ``every`` items have finished *and* ``interval`` seconds have passed
since the last line (whichever comes later), and none for a run that ends sooner. The interval
is 10 seconds, or the number of seconds in the environment variable ``PORTER_PROGRESS_INTERVAL``
(0: a line per ``every`` items).

``make_progress(label, unit)`` picks one; both have ``start(total)``, ``step(count, failed,
current)`` and are context managers (the bar is removed when the run ends).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

import click

INTERVAL_ENV = "PORTER_PROGRESS_INTERVAL"
DEFAULT_INTERVAL = 10.0


def progress_interval() -> float:
    """Seconds between two plain lines: ``PORTER_PROGRESS_INTERVAL`` if it is a number >= 0."""
    try:
        value = float(os.environ.get(INTERVAL_ENV, ""))
    except ValueError:
        return DEFAULT_INTERVAL
    return value if value >= 0 else DEFAULT_INTERVAL


def stderr_is_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def make_progress(label: str, unit: str) -> BarProgress | LineProgress:
    """A bar when stderr is a terminal, else plain lines."""
    if stderr_is_terminal():
        from rich.console import Console

        return BarProgress(label, Console(stderr=True))
    return LineProgress(label, unit)


def elapsed(seconds: float) -> str:
    """``2m10s``, ``1h02m``, ``9s``."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class LineProgress:
    """Plain lines for logs (see the module's docstring); none for the last item (a summary follows)."""

    def __init__(self, label: str, unit: str, *, interval: float | None = None, every: int = 1,
                 echo: Callable[[str], None] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.unit = label, unit
        self.interval = progress_interval() if interval is None else interval
        self.every = max(1, every)
        self._echo = echo or (lambda line: click.echo(line, err=True))
        self._clock = clock
        self.total = self.done = self.failed = 0
        self._started = self._last = clock()
        self._done_at_last = 0

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *exc_info) -> None:
        pass

    def start(self, total: int) -> None:
        self.total = total
        self._started = self._last = self._clock()

    def step(self, count: int = 1, failed: int = 0, current: str = "") -> None:
        self.done += count
        self.failed += failed
        now = self._clock()
        if (self.done - self._done_at_last >= self.every and now - self._last >= self.interval
                and self.done < self.total):
            self._last, self._done_at_last = now, self.done
            self._echo(self.line(now))

    def line(self, now: float | None = None) -> str:
        now = self._clock() if now is None else now
        return (f"{self.label}: {self.done}/{self.total} {self.unit}, {self.failed} failed, "
                f"{elapsed(now - self._started)}")


class BarProgress:
    """A rich progress bar on the terminal's stderr, removed when the run ends."""

    def __init__(self, label: str, console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                             TextColumn("{task.fields[failed]}"), TextColumn("{task.fields[current]}"),
                             console=console, transient=True)
        self._label = label
        self._task = None
        self.failed = 0

    def __enter__(self) -> BarProgress:
        return self

    def __exit__(self, *exc_info) -> None:
        self._bar.stop()

    def start(self, total: int) -> None:
        self._task = self._bar.add_task(self._label, total=total, failed="", current="")
        self._bar.start()

    def step(self, count: int = 1, failed: int = 0, current: str = "") -> None:
        self.failed += failed
        self._bar.update(self._task, advance=count, current=current,
                         failed=f"{self.failed} failed" if self.failed else "")


__all__ = ["BarProgress", "LineProgress", "make_progress", "progress_interval"]
