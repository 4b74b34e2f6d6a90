"""``porter trace``: questions to a profile database (``porter profile`` writes one)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import click

FORMATS = click.Choice(["table", "json", "csv"])


def _open(path: Path) -> sqlite3.Connection:
    from porter.profile.store import NotAProfile, open_profile

    try:
        return open_profile(path)
    except NotAProfile as error:
        raise click.ClickException(str(error)) from None


def _emit(table, fmt: str, title: str | None = None) -> None:
    if fmt == "json":
        click.echo(json.dumps(table.records(), indent=1))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(table.columns)
        writer.writerows(table.rows)
        click.echo(out.getvalue(), nl=False)
    else:
        from rich.console import Console
        from rich.table import Table

        shown = Table(title=title)
        for column in table.columns:
            shown.add_column(column, overflow="fold")
        for row in table.rows:
            shown.add_row(*("" if v is None else str(v) for v in row))
        Console(width=200).print(shown)


@click.group()
def trace() -> None:
    """Query a profile database written by `porter profile`.

    \b
    Examples:
      porter trace top run.db --limit 10
      porter trace query run.db "SELECT base_name, SUM(duration_ns) FROM kernels GROUP BY 1"
      porter trace plan run.db --source src/
    """


@trace.command("query")
@click.argument("database", type=click.Path(path_type=Path))
@click.argument("sql")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def query_command(database: Path, sql: str, fmt: str) -> None:
    """Run SQL over DATABASE (read-only). Tables: kernels, memops, api_calls, meta, profiler_totals."""
    from porter.profile.views import query

    db = _open(database)
    try:
        table = query(db, sql)
    except sqlite3.Error as error:
        raise click.ClickException(f"SQL error: {error}") from None
    _emit(table, fmt)


@trace.command("top")
@click.argument("database", type=click.Path(path_type=Path))
@click.option("--by", type=click.Choice(["name", "base_name"]), default="name", show_default=True,
              help="Group launches by the profiler's kernel name, or by the bare function name.")
@click.option("--limit", type=int, help="Only the first N kernels.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def top_command(database: Path, by: str, limit: int | None, fmt: str) -> None:
    """Kernels by total GPU time: share, launches, total, mean and p90 (microseconds)."""
    from porter.profile.views import top

    _emit(top(_open(database), by=by, limit=limit), fmt, "kernels by GPU time")


@trace.command("verify")
@click.argument("database", type=click.Path(path_type=Path))
@click.option("--tolerance", type=float, default=0.01, show_default=True, help="Largest relative difference.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def verify_command(database: Path, tolerance: float, fmt: str) -> None:
    """Compare the database's per-kernel totals with the profiler's own aggregate.

    Exit status 1 when a kernel differs by more than TOLERANCE or is missing."""
    from porter.profile.views import verify

    table = verify(_open(database))
    _emit(table, fmt, "database vs profiler")
    bad = [r for r in table.rows if r[3] is None or r[3] > tolerance]
    if bad:
        raise SystemExit(1)


@trace.command("roofline")
@click.argument("database", type=click.Path(path_type=Path))
@click.option("--peak-tflops", type=float, help="The device's peak TFLOP/s for the kernels' precision.")
@click.option("--peak-tbps", type=float, help="The device's peak DRAM bandwidth, TB/s.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def roofline_command(database: Path, peak_tflops: float | None, peak_tbps: float | None, fmt: str) -> None:
    """Arithmetic intensity and achieved throughput of kernels with counted bytes and FLOPs
    (binaries profiled under ncu)."""
    from porter.profile.views import roofline

    table = roofline(_open(database), peak_tflops=peak_tflops, peak_tbps=peak_tbps)
    if not table.rows:
        raise click.ClickException("no kernel in this profile has DRAM byte and FLOP counts: those come from "
                                   "binaries profiled under ncu")
    _emit(table, fmt, "roofline")


@trace.command("plan")
@click.argument("database", type=click.Path(path_type=Path))
@click.option("--source", type=click.Path(exists=True, path_type=Path), required=True,
              help="The CUDA sources (a folder or a file) the workload's kernels come from.")
@click.option("--to", "targets", multiple=True, type=click.Choice(["hip", "triton", "pallas", "nki"]),
              help="Targets to judge (default: all four).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def plan_command(database: Path, source: Path, targets: tuple[str, ...], fmt: str) -> None:
    """The profiled kernels worth porting first: GPU-time share, the __global__ definition in
    SOURCE (file:line), and porter's verdict per target. Kernels not defined in SOURCE
    (libraries, frameworks) are listed last."""
    from porter.profile.plan import TARGETS, plan

    rows = plan(_open(database), source, targets or TARGETS)
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in rows], indent=1))
        return
    from porter.profile.views import Table

    columns = ("kernel", "share_%", "launches", "defined_at", *(targets or TARGETS))
    _emit(Table(columns, [(r.kernel, r.share, r.launches,
                           ", ".join(f"{d.file}:{d.line}" for d in r.definitions) or "(not in the sources)",
                           *(r.verdicts.get(t, "") for t in (targets or TARGETS))) for r in rows]),
          "table", "what to port first")
