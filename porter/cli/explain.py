"""``porter explain P0210``: what a diagnostic id means (title, default severity, hint)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import click

CATALOGUE = Path(__file__).resolve().parents[1] / "diagnostic_catalogue.toml"


@click.command(epilog="Exit code: 0 when every id is known, 2 for an unknown id.")
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def explain(ids: tuple[str, ...], output_format: str) -> None:
    """Explain diagnostic ids (e.g. P0210) from porter's catalogue: title, severity and hint."""
    with CATALOGUE.open("rb") as handle:
        catalogue = tomllib.load(handle)["diagnostic"]
    wanted = [i.strip().upper() for i in ids]
    unknown = [i for i in wanted if i not in catalogue]
    if unknown:
        raise click.BadParameter(f"unknown diagnostic id(s): {', '.join(unknown)} (ids look like P0210)",
                                 param_hint="ID")
    if output_format == "json":
        click.echo(json.dumps({i: catalogue[i] for i in wanted}, indent=2))
        return
    for diag_id in wanted:
        entry = catalogue[diag_id]
        click.echo(f"{diag_id} ({entry['severity']}): {entry['title']}")
        if entry.get("hint"):
            click.echo(f"  = hint: {entry['hint']}")
