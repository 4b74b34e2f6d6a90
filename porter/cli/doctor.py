"""``porter doctor [--format text|json]``: which toolchains this machine has, and which checks run here."""

from __future__ import annotations

import json

import click


@click.command(epilog="Exit code: 0 (a missing tool is reported, never an error).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="A table for people, or JSON for tools (keys: porter, python, platform, tools, packages, "
                   "hip_gate, gpus, checks).")
@click.option("--no-gate", is_flag=True, help="Do not compile the test kernel with hipcc (faster).")
def doctor(output_format: str, no_gate: bool) -> None:
    """Report the toolchains this machine has and the checks that can run here.

    \b
    Looks for hipcc (and compiles a small kernel for gfx90a and gfx1100, as the HIP compile
    gate does), nvcc, libclang, PyTorch's hipify tables, the Python packages torch, triton and
    jax, and a GPU (nvidia-smi, rocm-smi); then lists the checks available here. A missing or
    hanging tool is reported, never fatal.
    """
    from porter.doctor import diagnose

    report = diagnose(gate=not no_gate)
    if output_format == "json":
        click.echo(json.dumps(report, indent=2))
        return
    render_text(report)


def render_text(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"porter {report['porter']} on Python {report['python']}, {report['platform']}")
    tools = Table(title="Toolchains and packages", title_justify="left")
    for column in ("name", "found", "version", "where / detail"):
        tools.add_column(column)
    for group in ("tools", "packages"):
        for name, probe in report[group].items():
            where = probe["path"] or probe["detail"] or ""
            if probe["path"] and probe["detail"]:
                where += f" ({probe['detail']})"
            tools.add_row(name, _mark(probe["found"]), probe["version"] or "", where)
    for arch, gate in report["hip_gate"].items():
        tools.add_row(f"hip gate {arch}", _mark(gate["ok"]), "", gate["detail"])
    gpus = ", ".join(f"{g['name']} ({g['vendor']})" for g in report["gpus"]) or "none found"
    tools.add_row("GPU", _mark(bool(report["gpus"])), "", gpus)
    console.print(tools)
    checks = Table(title="Checks available here", title_justify="left")
    for column in ("check", "available", "detail"):
        checks.add_column(column)
    for check in report["checks"]:
        checks.add_row(check["name"], _mark(check["available"]), check["detail"])
    console.print(checks)


def _mark(found: bool) -> str:
    return "[green]yes[/green]" if found else "[red]no[/red]"
