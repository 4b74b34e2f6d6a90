"""``porter ir FILE [--frontend auto|clang|treesitter]``: print the kernel IR of a CUDA file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from porter.cli.options import project_context, project_options
from porter.source import read_source_file


@click.command(epilog="Exit code: 0 when the IR was printed; 2 for bad input (a missing, binary or unreadable file).")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--frontend", type=click.Choice(["auto", "clang", "treesitter"]), default="auto", show_default=True,
              help="auto: libclang, with tree-sitter for functions clang cannot parse.")
@click.option("--types", "show_types", is_flag=True, help="Print the type of every expression.")
@click.option("--spans", "show_spans", is_flag=True, help="Print each statement's line:column.")
@click.option("--verify/--no-verify", default=True, show_default=True, help="Run the IR verifier.")
@project_options
def ir(file: Path, frontend: str, show_types: bool, show_spans: bool, verify: bool, include_dirs: tuple[Path, ...],
       defines: tuple[str, ...], undefines: tuple[str, ...], std: str | None, cuda_path: str | None,
       compile_commands: Path | None) -> None:
    """Print the kernel IR of FILE: kernels, device functions, globals, launches.

    Constructs the IR does not model (inline PTX, switch, unknown calls...) print as opaque
    nodes; diagnostics about them go to stderr.
    """
    from porter.frontends.ir_frontend import build_ir
    from porter.ir.printer import print_module
    from porter.ir.verifier import verify as verify_module

    source = read_source_file(file)
    source.project = project_context(file, include_dirs, defines, undefines, std, cuda_path, compile_commands)
    module = build_ir(source, frontend)
    sys.stdout.write(print_module(module, types=show_types, spans=show_spans))
    problems = verify_module(module) if verify else []
    for diagnostic in (*module.diagnostics, *problems):
        click.echo(diagnostic.render(source.text), err=True)
