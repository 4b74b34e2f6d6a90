"""The Python entry point: ``porter.translate(source, target="hip", **options)``."""

from __future__ import annotations

import dataclasses
import os
from typing import Any

from porter.backends.base import get_backend, make_options
from porter.project import PROJECT_OPTIONS, split_options
from porter.result import TranslationResult
from porter.source import SourceFile, load_source


def translate(source: str | os.PathLike | SourceFile, target: str = "hip", *,
              name: str | None = None, optimize: bool = False, llm: dict[str, Any] | None = None,
              **options: Any) -> TranslationResult:
    """Translate CUDA source to ``target``.

    ``source`` is a path (``Path``, or a string naming a file) or CUDA source text; ``name`` names
    a string source in diagnostics. Options are the target's (for HIP: ``hip_version``,
    ``offload_arch``, ``launch_syntax``). Bad input raises :class:`porter.InputError`; problems in
    the code itself come back as diagnostics on the result.

    ``optimize=True`` then runs the LLM rewrite stage on the port (``llm``: the keyword arguments of
    :func:`porter.llm.optimize`, e.g. ``{"model": "anthropic/claude-...", "rounds": 2}``; the kernel
    needs a golden spec beside it). The result's code is the winning rewrite, or the deterministic
    port when none passed every check and beat it; ``result.optimization`` holds the full report.

    How the project compiles the file: ``include_dirs=["utilities"]``, ``defines=["N=64", "USE_FP"]``
    (or a dict), ``undefines=``, ``std="c++20"``, ``cuda_path=``, ``compile_commands="build/
    compile_commands.json"`` (the file's entry; needs a path), or ``project=ProjectContext(...)``
    (:mod:`porter.project`); relative folders are taken from the current folder.
    """
    _check_arguments(source, target, name)
    backend = get_backend(target)
    project_options = {key: options.pop(key) for key in PROJECT_OPTIONS if key in options}
    backend_options = make_options(backend, options)
    loaded = source if isinstance(source, SourceFile) else load_source(source, name=name)
    project, _ = split_options(project_options, source_path=loaded.path)
    if project is not None:
        loaded = dataclasses.replace(loaded, project=project)
    result = backend.translate(loaded, backend_options)
    if optimize:
        result = _optimize(result, loaded, target, llm or {})
    return result


def _check_arguments(source: object, target: object, name: object) -> None:
    """TypeError for arguments of the wrong type, before anything deep inside porter sees them."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        raise TypeError("translate() takes CUDA source as str (text or a path), os.PathLike or SourceFile, "
                        "not bytes; decode it first, e.g. data.decode('utf-8')")
    if not isinstance(source, (str, os.PathLike, SourceFile)):
        raise TypeError(f"translate() takes CUDA source as str (text or a path), os.PathLike or "
                        f"SourceFile, not {type(source).__name__}")
    if isinstance(source, os.PathLike) and not isinstance(os.fspath(source), str):
        raise TypeError("translate() takes a path as str or pathlib.Path, not a bytes path")
    if not isinstance(target, str):
        raise TypeError(f"translate() takes target as a str such as 'hip', not {type(target).__name__}")
    if name is not None and not isinstance(name, str):
        raise TypeError(f"translate() takes name as a str, not {type(name).__name__}")


def _optimize(result: TranslationResult, source: SourceFile, target: str, settings: dict[str, Any]) -> TranslationResult:
    from porter.llm import optimize as run_llm_stage

    if source.path is None:
        raise ValueError("optimize=True needs a kernel file with a golden spec beside it, not a string")
    if result.errors:
        raise ValueError(f"optimize=True: the deterministic port has error diagnostics; fix those first "
                         f"({result.errors[0].span}: {result.errors[0].message})")
    outcome = run_llm_stage(source.path, target, port=result.code, **settings)
    result.code = outcome.code
    result.optimization = outcome
    return result
