"""``porter port SRC_DIR --to TARGET --out OUT_DIR [-j N]``: port a whole tree in parallel."""

from __future__ import annotations

import time
from pathlib import Path

import click

from porter.cli.options import backend_options, hip_options, target_option, tile_options

#: Exit code when at least one file could not be ported (the others were).
EXIT_FILES_FAILED = 1


@click.command()
@click.argument("src_dir", type=click.Path(path_type=Path))
@target_option
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="The folder to write the ported tree into (created if needed); never inside SRC_DIR.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of CPUs).")
@hip_options
@tile_options
@click.option("--force", is_flag=True, help="Port every file again, even those the manifest shows up to date.")
def port(src_dir: Path, target: str, out_dir: Path, jobs: int | None, hip_version: str, offload_arch: str,
         launch_syntax: str, flavor: str, instantiate: tuple[str, ...], force: bool) -> int:
    """Port the tree SRC_DIR into OUT_DIR, in parallel.

    \b
    The tree is mirrored: CUDA and C/C++ sources (.cu .cuh .h .hpp .cpp .cc .cxx .c .inl) are
    translated, every other file is copied byte for byte, each written atomically. SRC_DIR is
    never written. Files whose output is current (OUT_DIR/.porter-manifest.json records the
    source's sha256 and the options) are skipped; --force ports them again. Links to folders,
    and to files outside the tree, are not followed.

    \b
    Nothing is lost: each file is journaled as it finishes, so a run that is killed resumes
    where it stopped; a full disk stops the run (error P0042) and keeps what was written. For
    --to triton/pallas/nki, sources whose .py outputs would collide (k.cu, k.cuh, k.py) keep
    their suffix in the name (k_cu.py, k_cuh.py); the report lists them.

    \b
    Writes OUT_DIR/report.json and OUT_DIR/report.md: per file its status (translated,
    unchanged, copied, up-to-date, skipped, failed), its edits and its diagnostics.

    \b
    Exit code: 0 when every file was ported (error diagnostics in the code are reported but do
    not fail the port), 1 when some file could not be ported (the rest were) or the run stopped
    early (a full disk), 2 for bad usage.
    """
    from porter.cli.errors import report_input_error
    from porter.port import execute, plan_port
    from porter.report import summary_lines, write_reports
    from porter.source import InputError

    options = backend_options(target, hip_version=hip_version, offload_arch=offload_arch,
                              launch_syntax=launch_syntax, flavor=flavor, instantiate=instantiate)
    try:
        plan = plan_port(src_dir, out_dir, target, force=force, **options)
    except (ValueError, TypeError) as error:  # bad option values
        raise click.BadParameter(str(error)) from None
    progress = make_progress()
    with progress:
        run = execute(plan, jobs, progress)
    try:
        report_paths = write_reports(run)
    except InputError as error:  # e.g. a full disk: the summary below still says what was written
        report_input_error(error)
        report_paths = None
    for line in summary_lines(run, report_paths=report_paths or ()):
        click.echo(line, err=True)
    return 0 if run.ok and report_paths is not None else EXIT_FILES_FAILED


def make_progress():
    """A rich progress bar on a terminal; otherwise a plain line every few seconds."""
    from rich.console import Console

    console = Console(stderr=True)
    return RichProgress(console) if console.is_terminal else PlainProgress()


class RichProgress:
    def __init__(self, console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("porting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                             TextColumn("{task.fields[current]}"), console=console, transient=True)
        self._task = None

    def __enter__(self) -> RichProgress:
        return self

    def __exit__(self, *exc_info) -> None:
        self._bar.stop()

    def start(self, total: int) -> None:
        self._task = self._bar.add_task("port", total=total, current="")
        self._bar.start()

    def advance(self, records) -> None:
        self._bar.update(self._task, advance=len(records), current=records[-1].path if records else "")


class PlainProgress:
    """For logs: one line at most every ``interval`` seconds, none for a port that is quick."""

    def __init__(self, interval: float = 5.0) -> None:
        self._interval = interval
        self._total = 0
        self._done = 0
        self._last = time.monotonic()

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc_info) -> None:
        pass

    def start(self, total: int) -> None:
        self._total = total
        self._last = time.monotonic()

    def advance(self, records) -> None:
        self._done += len(records)
        now = time.monotonic()
        if now - self._last >= self._interval and self._done < self._total:
            self._last = now
            click.echo(f"porter: {self._done}/{self._total} files ported", err=True)


__all__ = ["EXIT_FILES_FAILED", "port"]
