"""porter's own bugs in one kernel: contained to that kernel, reported as such (P0060).

A backend lowers and emits each kernel of a file on its own; when that raises, the kernel is
dropped with :func:`kernel_internal_error` (an error on the kernel's line saying whose fault it is)
and the file's other kernels are ported as usual. The traceback is printed (to stderr) only with
``PORTER_DEBUG=1``, the switch the CLI uses for its own last line of defence.

Some exceptions are not one kernel's: :func:`is_fatal` says which pass through untouched (a
``RecursionError`` is deep input, which :mod:`porter.limits` turns into P0032 for the file; memory
exhaustion and interrupts stop everything).
"""

from __future__ import annotations

import os
import sys
import traceback

from porter.diagnostics import Diagnostic, Span, make

#: The diagnostic of a kernel dropped because porter raised while porting it.
KERNEL_INTERNAL_ERROR = "P0060"

#: Exceptions that are never contained to one kernel.
_FATAL = (RecursionError, MemoryError)


def debug_enabled() -> bool:
    """Whether ``PORTER_DEBUG=1``: porter then prints the tracebacks of its own errors."""
    return os.environ.get("PORTER_DEBUG") == "1"


def is_fatal(error: BaseException) -> bool:
    """Whether ``error`` must stop the file (or the run) rather than drop one kernel."""
    return isinstance(error, _FATAL) or not isinstance(error, Exception)


def kernel_internal_error(kernel: str, span: Span | None, stage: str, error: BaseException,
                          outcome: str = "the kernel is left out of the module") -> Diagnostic:
    """P0060 for ``kernel`` (at ``span``, the kernel's own line): porter raised ``error`` while
    ``stage`` ("lowering it", "emitting it", ...), so ``outcome``; the traceback goes to stderr
    with PORTER_DEBUG=1."""
    if debug_enabled():
        print(f"porter: traceback of the internal error in kernel {kernel} ({stage}):", file=sys.stderr)
        traceback.print_exception(error, file=sys.stderr)
    message = str(error).removeprefix("internal error in porter, please report: ")
    return make(KERNEL_INTERNAL_ERROR, f"{kernel}: internal error in porter while {stage}: "
                f"{type(error).__name__}: {message}; {outcome}",
                span)
