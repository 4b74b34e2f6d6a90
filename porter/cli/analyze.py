"""``porter analyze FILE [--format text|json]``: each kernel's summary and findings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from porter.cli.options import project_context, project_options
from porter.source import read_source_file


@click.command(epilog="Exit code: 0 when FILE was analyzed (findings do not fail it); 2 for bad input (a missing, binary or unreadable file).")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--frontend", type=click.Choice(["auto", "clang", "treesitter"]), default="auto", show_default=True)
@click.option("--all", "everything", is_flag=True,
              help="Text format: also print every analysis of every function (uniformity, memory "
                   "access, barrier regions, idioms, warp-size assumptions).")
@project_options
def analyze(file: Path, fmt: str, frontend: str, everything: bool, include_dirs: tuple[Path, ...],
            defines: tuple[str, ...], undefines: tuple[str, ...], std: str | None, cuda_path: str | None,
            compile_commands: Path | None) -> None:
    """Analyze the kernels of FILE: category, shared memory, idioms, accesses, what a tile
    backend needs, and findings (divergent barriers, races, warp-size assumptions)."""
    from porter.frontends.ir_frontend import build_ir
    from porter.passes.summary import analyze_module

    source = read_source_file(file)
    source.project = project_context(file, include_dirs, defines, undefines, std, cuda_path, compile_commands)
    module = build_ir(source, frontend)
    result = analyze_module(module)
    if fmt == "json":
        data = {"file": str(file), "frontend": module.frontend,
                "kernels": [s.to_json() for s in result.summaries.values()],
                "diagnostics": [d.to_json() for d in module.diagnostics]}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    sys.stdout.write(result.render_all() if everything else result.render())
    for diagnostic in module.diagnostics:
        click.echo(diagnostic.render(source.text), err=True)
