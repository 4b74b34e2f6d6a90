"""``porter translate FILE --to TARGET [-o OUT]``: translate one file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from porter.api import translate as translate_source
from porter.atomic import is_stdout, write_bytes_atomic, write_text_atomic
from porter.backends.base import get_backend, make_options
from porter.cli.errors import EXIT_USER_ERROR
from porter.cli.options import (
    backend_options,
    hip_options,
    project_context,
    project_options,
    target_option,
    tile_options,
)
from porter.source import InputError


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@target_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the translation here (default: stdout). Written atomically.")
@hip_options
@tile_options
@project_options
@click.option("--report", type=click.Path(path_type=Path), default=None,
              help="Also write a JSON report (edits and diagnostics) to this file.")
def translate(file: Path, target: str, output: Path | None, hip_version: str, offload_arch: str,
              launch_syntax: str, launches: tuple[str, ...], flavor: str, instantiate: tuple[str, ...],
              report: Path | None,
              include_dirs: tuple[Path, ...], defines: tuple[str, ...], undefines: tuple[str, ...],
              std: str | None, cuda_path: str | None, compile_commands: Path | None) -> None:
    """Translate one CUDA FILE to another backend.

    The translation goes to OUT (or stdout); diagnostics go to stderr, printed like a compiler's
    (file:line:col: severity[id]: message, the line, a caret and a hint). The exit code is 0
    when output was written (even with error diagnostics, which mark code that needs a person),
    2 for bad input or options (then nothing is written).
    """
    options = backend_options(target, hip_version=hip_version, offload_arch=offload_arch,
                              launch_syntax=launch_syntax, launches=launches, flavor=flavor,
                              instantiate=instantiate)
    try:  # only the options' own checks are usage errors; a ValueError later is porter's bug
        make_options(get_backend(target), options)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    project = project_context(file, include_dirs, defines, undefines, std, cuda_path, compile_commands)
    result = translate_source(file, target, project=project, **options)
    if result.diagnostics:
        click.echo(result.render_diagnostics(), err=True)
    if any(d.id == "P0102" for d in result.diagnostics):
        sys.exit(EXIT_USER_ERROR)  # not CUDA at all: nothing is written
    if output is None or is_stdout(output):  # `-o -` and `-o /dev/stdout` write through
        if result.encoding == "utf-8":
            sys.stdout.write(result.code)
        else:  # an 8-bit source's rewrite, byte for byte
            sys.stdout.flush()
            sys.stdout.buffer.write(result.code_bytes())
        sys.stdout.flush()
    else:
        if output.resolve() == file.resolve():
            raise InputError("P0009", f"output {output} is the input file", "choose another -o")
        write_bytes_atomic(output, result.code_bytes())
    if report is not None:
        import json

        write_text_atomic(report, json.dumps(result.to_json(), indent=2) + "\n")
    counts = {str(d.severity) for d in result.diagnostics}
    if counts and output is not None:
        errors = len(result.errors)
        click.echo(f"porter: wrote {output} ({len(result.edits)} edits, {errors} error(s), "
                   f"{len(result.diagnostics) - errors} other diagnostic(s))", err=True)


__all__ = ["translate", "EXIT_USER_ERROR"]
