"""``--shard K/N`` (porter check, porter port) and ``porter check merge OUT FILES...``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from porter.shard import Shard


class ShardType(click.ParamType):
    name = "K/N"

    def convert(self, value, param, ctx) -> Shard:
        if isinstance(value, Shard):
            return value
        try:
            return Shard.parse(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


def shard_option(help_text: str):
    return click.option("--shard", type=ShardType(), default=None, metavar="K/N", help=help_text)


class WithMerge(click.Command):
    """A command whose first argument may be ``merge``: ``porter check merge ...`` runs :data:`merge`."""

    def make_context(self, info_name, args, parent=None, **extra):
        if args[:1] == ["merge"]:
            outer = click.Context(self, info_name=info_name, parent=parent)
            return merge.make_context("merge", args[1:], parent=outer, **extra)
        return super().make_context(info_name, args, parent=parent, **extra)


@click.command(epilog="Exit code: 0 when every merged check passed (or was unsupported or unavailable), "
                      "1 when one failed or a golden was not fresh, 2 for bad input (P0091-P0093).")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["junit", "json", "table"]), default="junit",
              show_default=True, help="The merged report's format (table: to stdout; OUT is then ignored, use -).")
@click.option("--json", "json_copy", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the merged JSON report to this file.")
def merge(out: Path, files: tuple[Path, ...], output_format: str, json_copy: Path | None) -> None:
    """Merge the JSON reports of the shards of one run (porter check --shard K/N --json FILE).

    \b
    Every shard 1..N must be given once, and all from the same PATHS, --backend and --case.
    The merged report is the report the unsharded run writes (records in the same order),
    as JUnit (default) or JSON in OUT ("-" for stdout).
    """
    from porter.check.records import FAILING
    from porter.check.shards import merge_reports
    from porter.cli.check import write_report

    merged = merge_reports(files)
    write_report(merged.records, merged.machine, merged.selection, output_format,
                 None if str(out) == "-" else out, json_copy)
    sys.exit(1 if any(r.status in FAILING for r in merged.records) else 0)
