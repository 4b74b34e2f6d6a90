"""The Python entry point: ``porter.translate(source, target="hip", **options)``."""

from __future__ import annotations

import os
from typing import Any

from porter.backends.base import get_backend, make_options
from porter.result import TranslationResult
from porter.source import SourceFile, load_source


def translate(source: str | os.PathLike | SourceFile, target: str = "hip", *,
              name: str | None = None, **options: Any) -> TranslationResult:
    """Translate CUDA source to ``target``.

    ``source`` is a path (``Path``, or a string naming a file) or CUDA source text; ``name`` names
    a string source in diagnostics. Options are the target's (for HIP: ``hip_version``,
    ``offload_arch``, ``launch_syntax``). Bad input raises :class:`porter.InputError`; problems in
    the code itself come back as diagnostics on the result.
    """
    backend = get_backend(target)
    backend_options = make_options(backend, options)
    loaded = source if isinstance(source, SourceFile) else load_source(source, name=name)
    return backend.translate(loaded, backend_options)
