"""Backends: one sub-package per target, each exposing ``BACKEND`` (see :mod:`.base`)."""

from porter.backends.base import Backend, UnknownBackend, available_backends, get_backend

__all__ = ["Backend", "UnknownBackend", "available_backends", "get_backend"]
