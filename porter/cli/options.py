"""Command-line options shared by the commands that translate (translate, port) and read the
IR (ir, analyze)."""

from __future__ import annotations

from pathlib import Path

import click

from porter.backends.base import available_backends


def target_option(function):
    return click.option("--to", "target", required=True, type=click.Choice(available_backends()),
                        help="Target backend.")(function)


def hip_options(function):
    """The HIP backend's options; ignored by other targets."""
    function = click.option("--launch", "launches", multiple=True, metavar="KERNEL=BX[,BY,BZ]",
                            help="HIP: a kernel's block size when the file does not launch it, e.g. "
                                 "argmax_rows=32,4 (repeatable); decides 64-lane rewrites of warp-level code.")(function)
    function = click.option("--launch-syntax", type=click.Choice(["chevron", "ggl"]), default="chevron",
                            show_default=True,
                            help="HIP: keep kernel<<<...>>>(...) launches, or emit hipLaunchKernelGGL(...).")(function)
    function = click.option("--offload-arch", default="gfx90a", show_default=True, metavar="GFX",
                            help="HIP: the AMD GPU to target; sets the wavefront size "
                                 "(gfx90a, gfx942: 64 lanes; gfx1030, gfx1100: 32 lanes).")(function)
    function = click.option("--hip-version", default="6.3", show_default=True, metavar="V",
                            help="HIP: the HIP/ROCm version to target, e.g. 5.2 or 6.3 "
                                 "(before 6.2 there are no *_sync warp built-ins), or 'auto': "
                                 "the version of the hipcc found here (see porter doctor).")(function)
    return function


def tile_options(function):
    """Options of the tile backends (Triton, Pallas, NKI); ignored by HIP."""
    function = click.option("--instantiate", multiple=True, metavar="KERNEL<ARGS>",
                            help="Tile backends: a template kernel to instantiate, as a launch names it, "
                                 "e.g. 'reduce_sum<256>' (repeatable).")(function)
    function = click.option("--flavor", type=click.Choice(["gpu", "tpu"]), default="gpu", show_default=True,
                            help="Pallas: the GPU (Triton lowering) or TPU (Mosaic) flavour.")(function)
    return function


def backend_options(target: str, **values) -> dict:
    """The command-line values the target's options take (each backend declares its own fields)."""
    from porter.backends.base import get_backend

    fields = get_backend(target).options_type.__dataclass_fields__
    chosen = {name: value for name, value in values.items() if name in fields and value is not None}
    if "instantiate" in chosen:
        chosen["instantiate"] = tuple(chosen["instantiate"])
    if "launches" in chosen:
        chosen["launches"] = tuple(chosen["launches"])
    return chosen


def project_options(function):
    """How the project compiles its files (:class:`porter.project.ProjectContext`): include
    folders, macro definitions, the C++ standard, the CUDA path, or a compilation database."""
    function = click.option("--compile-commands", "compile_commands", default=None, metavar="FILE",
                            type=click.Path(dir_okay=False, path_type=Path),
                            help="A clang JSON compilation database (compile_commands.json): each file's "
                                 "-I/-D/-U/-std come from its entry (the options above add to them).")(function)
    function = click.option("--cuda-path", "cuda_path", default=None, metavar="DIR",
                            help="The CUDA toolkit folder; passed to libclang and its headers are not "
                                 "project headers (porter still parses with its own CUDA prelude).")(function)
    function = click.option("-std", "--std", "std", default=None, metavar="STD",
                            help="The C++ standard, as the compiler takes it (c++17, c++20).")(function)
    function = click.option("-U", "--undefine", "undefines", multiple=True, metavar="NAME",
                            help="Undefine a macro (repeatable; applied after every -D).")(function)
    function = click.option("-D", "--define", "defines", multiple=True, metavar="NAME[=VALUE]",
                            help="Define a macro, as the compiler's -D (repeatable).")(function)
    function = click.option("-I", "--include-dir", "include_dirs", multiple=True, metavar="DIR",
                            type=click.Path(file_okay=False, path_type=Path),
                            help="Search DIR for included headers (repeatable), as the compiler's -I.")(function)
    return function


def project_context(file: Path | None, include_dirs=(), defines=(), undefines=(), std=None, cuda_path=None,
                    compile_commands=None):
    """The ProjectContext the command line names for ``file`` (None when it names none); bad
    values are usage errors."""
    from porter.project import split_options

    try:
        context, _ = split_options({"include_dirs": tuple(include_dirs), "defines": tuple(defines),
                                    "undefines": tuple(undefines), "std": std, "cuda_path": cuda_path,
                                    "compile_commands": compile_commands}, source_path=file)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    return context
