"""The small interface every backend implements, and discovery by name.

A backend is a sub-package of ``porter.backends`` whose ``__init__`` defines ``BACKEND``, an
object with a ``name``, an ``options_type`` (a frozen dataclass of its options) and
``translate(source, options) -> TranslationResult``. Nothing is registered by hand: the
sub-package's name is the backend's name.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any, Protocol

from porter.limits import DeepStackBackend
from porter.result import TranslationResult
from porter.source import SourceFile


class Backend(Protocol):
    name: str
    options_type: type

    def translate(self, source: SourceFile, options: Any) -> TranslationResult: ...


class UnknownBackend(ValueError):
    pass


@cache
def _backend_names() -> tuple[str, ...]:
    package = importlib.import_module("porter.backends")
    return tuple(sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.ispkg))


def available_backends() -> list[str]:
    """The backend sub-packages (listed once per process: translate() asks on every call)."""
    return list(_backend_names())


def get_backend(name: str) -> Backend:
    if name not in available_backends():
        raise UnknownBackend(f"unknown target {name!r}; porter has: {', '.join(available_backends())}")
    module = importlib.import_module(f"porter.backends.{name}")
    return DeepStackBackend(module.BACKEND)  # deep input: a deep stack, P0032 past it


def make_options(backend: Backend, options: dict[str, Any]) -> Any:
    """The backend's options dataclass from keyword options, with a clear error for unknown ones."""
    fields = backend.options_type.__dataclass_fields__
    unknown = sorted(set(options) - set(fields))
    if unknown:
        raise TypeError(f"{backend.name} has no option(s) {', '.join(unknown)}; "
                        f"it takes: {', '.join(sorted(fields))}")
    return backend.options_type(**options)
