"""How deep input porter accepts, and a stack deep enough for its tree walks.

porter's frontends, passes and emitters walk syntax and IR trees recursively. Two things keep deep
input (thousands of nested ``if``s, a sum of thousands of terms) from crashing the process:

* :func:`nesting_error` measures the syntax depth of a file with tree-sitter (an iterative walk;
  tree-sitter itself copes with any depth) *before* libclang or any recursive walk sees it. A file
  deeper than :data:`MAX_SYNTAX_DEPTH` gets the error diagnostic P0032 at its deepest point and no
  IR. libclang's parser overflows its stack (a segfault no Python code can catch) at about 10,000
  chained terms, so the limit keeps it well clear of that.
* :func:`run_deep` runs a translation on a thread with a :data:`DEEP_STACK_BYTES` stack and the
  recursion limit raised to :data:`DEEP_RECURSION_LIMIT`, enough for every walk at the depth limit
  (each syntax level costs a walk a few Python frames). A ``RecursionError`` that still happens is
  turned into P0032 by the caller, never shown as a crash.

Macros are where tree-sitter cannot see: it does not expand them, so code it reads as shallow can
expand to a sum of 32,768 terms (fifteen ``#define An A(n-1)+A(n-1)``). Three more limits cover
that path:

* :func:`expansion_error` bounds what the file's macro uses can expand to
  (:mod:`porter.frontends.macro_size`, an upper bound) by :data:`MAX_MACRO_TOKENS` before libclang
  parses: P0033 above it. Expanded code can nest as deep as it is long.
* libclang parses on the calling thread (see :func:`porter.frontends.clang_api.parse_here`), which
  is :func:`run_deep`'s, not on a thread of its own with an 8 MB stack. Measured with libclang 18:
  a macro-made sum of 262,144 terms and a chain of 80,000 unary operators parse there; a chain of
  100,000 unary operators crashes libclang on any stack, so :data:`MAX_MACRO_TOKENS` stays at half
  of that.
* The walk of clang's tree counts its depth and stops with P0032 (at the place) past
  :data:`MAX_CLANG_DEPTH`, well inside the recursion limit, so that it never runs out of recursion
  inside one of libclang's callbacks (where an exception would be swallowed).

Depth counts tree-sitter nodes from the file's root: a chained ``a + b + ...`` adds one level per
term, a braced ``if`` two levels (the statement and its block).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from porter.diagnostics import Diagnostic, make
from porter.source import SourceFile

#: Deepest syntax nesting porter accepts (tree-sitter levels from the file's root).
MAX_SYNTAX_DEPTH = 1200

#: Most tokens the macro uses of a file may expand to (:mod:`porter.frontends.macro_size`'s bound).
MAX_MACRO_TOKENS = 50_000

#: Deepest statement/expression nesting the walk of clang's tree follows (implicit nodes, such as
#: conversions, make clang's tree up to about twice as deep as tree-sitter's).
MAX_CLANG_DEPTH = 2 * MAX_SYNTAX_DEPTH

#: The recursion limit while a translation runs (Python's default is 1,000).
DEEP_RECURSION_LIMIT = 30_000

#: The stack of the thread a translation runs on (virtual memory: pages are used only when touched).
DEEP_STACK_BYTES = 256 * 1024 * 1024

T = TypeVar("T")


def nesting_error(source: SourceFile, limit: int = MAX_SYNTAX_DEPTH) -> Diagnostic | None:
    """P0032 at the first node nested deeper than ``limit``, or None when the file is within it."""
    from porter.frontends.treesitter import parse_bytes

    cursor = parse_bytes(source.data).walk()
    depth = 0
    while True:
        if cursor.goto_first_child():
            depth += 1
            if depth > limit:
                node = cursor.node
                return make("P0032", f"code nested more than {limit} levels deep (porter's limit); "
                            "porter does not translate this file", source.span(node.start_byte, node.end_byte))
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return None
            depth -= 1


def expansion_error(source: SourceFile, limit: int = MAX_MACRO_TOKENS) -> Diagnostic | None:
    """P0033 at the costliest macro use when the file's macro uses can expand to more than
    ``limit`` tokens, or None."""
    from porter.frontends.macro_size import estimate

    found = estimate(source.text)
    if found.tokens <= limit:
        return None
    start = len(source.text[:found.offset].encode("utf-8"))
    span = source.span(start, start + len(found.name.encode("utf-8")))
    return make("P0033", f"the macro uses in {source.name} can expand to about {found.tokens:,} tokens "
                f"(porter's limit is {limit:,}; `{found.name}` here is the largest); porter does not "
                "translate this file", span)


def too_deep(source: SourceFile) -> Diagnostic:
    """P0032 for a file whose tree walk still ran out of recursion (no place to point at)."""
    return make("P0032", f"code nested too deeply for porter's tree walks in {source.name}; "
                "porter does not translate this file")


_state = threading.local()
_lock = threading.Lock()
_active = 0
_saved_limit = 0


def run_deep(function: Callable[..., T], *args, **kwargs) -> T:
    """``function(*args, **kwargs)`` on a thread with a deep stack and a raised recursion limit.

    Exceptions propagate to the caller unchanged. Called again from within such a run, it just
    calls ``function``.
    """
    if getattr(_state, "deep", False):
        return function(*args, **kwargs)
    outcome: dict[str, object] = {}

    def body() -> None:
        _state.deep = True
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = error

    _enter()
    try:
        with _lock:
            previous = threading.stack_size(DEEP_STACK_BYTES)
            try:
                worker = threading.Thread(target=body, name="porter-deep", daemon=True)
                worker.start()
            finally:
                threading.stack_size(previous)
        worker.join()
    finally:
        _leave()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def _enter() -> None:
    global _active, _saved_limit
    with _lock:
        if _active == 0:
            _saved_limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(_saved_limit, DEEP_RECURSION_LIMIT))
        _active += 1


def _leave() -> None:
    global _active
    with _lock:
        _active -= 1
        if _active == 0:
            sys.setrecursionlimit(_saved_limit)


class DeepStackBackend:
    """A backend whose ``translate`` runs under :func:`run_deep`; a tree walk that still runs out
    of recursion gives a result with P0032 and no code, never a ``RecursionError``."""

    __slots__ = ("backend",)

    def __init__(self, backend) -> None:
        self.backend = backend

    def __getattr__(self, name: str):
        return getattr(object.__getattribute__(self, "backend"), name)

    def __repr__(self) -> str:
        return f"DeepStackBackend({self.backend!r})"

    def translate(self, source: SourceFile, options):
        from porter.result import TranslationResult

        try:
            return run_deep(self.backend.translate, source, options)
        except RecursionError:
            result = TranslationResult(source, self.backend.name, "", options=options.to_json())
            result.diagnostics.append(too_deep(source))
            return result
