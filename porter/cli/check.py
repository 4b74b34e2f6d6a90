"""``porter check [PATHS] [--backend B ...] [--case GLOB] [--format table|json|junit]``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from porter.atomic import write_text_atomic
from porter.check import formats
from porter.check.machine import Machine
from porter.check.records import FAILING
from porter.check.run import CHECKERS, check as run_checks
from porter.cli.options import project_context, project_options
from porter.cli.progress import make_progress
from porter.cli.sharding import WithMerge, shard_option
from porter.golden.errors import GoldenError


@click.command(cls=WithMerge)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--backend", "backends", multiple=True, type=click.Choice(sorted(CHECKERS)),
              help="Backend to check (repeatable; default: every backend porter can check).")
@click.option("--case", "case_glob", default=None, metavar="GLOB",
              help="Only cases whose name or KERNEL/CASE matches, e.g. 'softmax*/*' or '*/n1000'.")
@click.option("--format", "output_format", type=click.Choice(["table", "json", "junit"]), default="table",
              show_default=True, help="How to report.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the report to this file (default: stdout).")
@click.option("--json", "json_copy", type=click.Path(path_type=Path), default=None,
              help="Also write the JSON report to this file (whatever --format is).")
@click.option("--build-dir", type=click.Path(path_type=Path), default=Path(".porter-check"), show_default=True,
              help="Where ports, launchers and binaries are built.")
@click.option("--nvcc", default=None, metavar="PATH", help="The nvcc to build GPU runs with.")
@project_options
@shard_option("Run only shard K of N (1-based): each case goes to the shard a hash of its spec file and "
              "case name picks, so N jobs together run every case once; merge their --json reports with "
              "porter check merge OUT FILES...")
def check(paths: tuple[Path, ...], backends: tuple[str, ...], case_glob: str | None, output_format: str,
          output: Path | None, json_copy: Path | None, build_dir: Path, nvcc: str | None, shard,
          include_dirs: tuple[Path, ...], defines: tuple[str, ...], undefines: tuple[str, ...], std: str | None,
          cuda_path: str | None, compile_commands: Path | None) -> None:
    """Check ports against the golden outputs recorded from the original CUDA.

    PATHS are kernel specs (NAME.toml beside NAME.cu) or folders of them; the default is porter's
    own golden corpus. For each case and backend, porter translates the kernel, runs every check
    this machine can (HIP: the AMD compile gate for gfx90a and gfx1100; on an NVIDIA GPU, a real
    run of the port) and compares with the golden within per-dtype tolerances.

    \b
    -I/-D/-U/-std/--cuda-path/--compile-commands say how the kernels' project compiles them, as
    for porter translate: every translation the checks make (and the HIP compile gate's -I) uses them.

    \b
    Statuses: pass; fail (the worst element and why); unsupported (porter reported a diagnostic
    for the kernel); unavailable (this machine lacks a tool, named in the detail: never counted as
    a pass); error (the case's golden is stale, missing, corrupt or unhashed: the detail says why;
    the other cases still run).
    Progress goes to stderr: a bar on a terminal, else a line such as "porter check: 120/1320
    cases, 3 failed, 2m10s" every 10 seconds (PORTER_PROGRESS_INTERVAL=SECONDS changes it).
    Exit code: 0 when no check failed; 1 if any check failed, any golden is not fresh, a spec is
    bad or no case matched; 2 for bad usage. A shard with no cases writes empty reports, exit 0.

    \b
    Sharding (CI): porter check --shard K/N --json shard-K.json on N jobs, then
    porter check merge report.xml shard-*.json gives the unsharded run's JUnit report.
    """
    from porter.check.run import DEFAULT_PATHS
    from porter.check.shards import select

    machine = Machine(build_dir, nvcc, project=check_project(include_dirs, defines, undefines, std, cuda_path,
                                                             compile_commands))
    backends = backends or tuple(CHECKERS)
    try:
        selection = select(paths, DEFAULT_PATHS, backends, case_glob, shard)
        if not selection.cases:
            raise click.ClickException("no cases matched")
        with CaseProgress(make_progress("porter check", "cases")) as progress:
            records = run_checks(paths, backends, case_glob, machine, progress=progress, keep=selection.keep)
    except GoldenError as error:
        raise click.ClickException(error.message + (f"\n  = hint: {error.hint}" if error.hint else ""))
    records = selection.order(records)
    machine_info = {"gpu": machine.gpu.name if machine.gpu else None, "unavailable": machine.missing}
    write_report(records, machine_info, selection.to_json(), output_format, output, json_copy)
    sys.exit(1 if any(r.status in FAILING for r in records) else 0)


def check_project(include_dirs, defines, undefines, std, cuda_path, compile_commands) -> dict:
    """porter.translate's project keywords for the command line's options: checked now (a bad value
    is a usage error), folders made absolute; the compilation database is read per source file."""
    context = project_context(None, include_dirs, defines, undefines, std, cuda_path)
    project = {"project": context} if context is not None else {}
    if compile_commands is not None:
        project["compile_commands"] = compile_commands.resolve()
    return project


def write_report(records: list, machine_info: dict, selection: dict, output_format: str, output: Path | None,
                 json_copy: Path | None) -> None:
    """The report in ``output_format`` to ``output`` (stdout without it), the JSON copy, the summary line."""
    if output_format == "table":
        text = None
        terminal = Console()
        Console(width=None if terminal.is_terminal else 200).print(formats.table(records))
    elif output_format == "json":
        text = formats.to_json(records, machine_info, selection)
    else:
        text = formats.to_junit(records)
    if json_copy is not None:
        write_text_atomic(json_copy, formats.to_json(records, machine_info, selection))
    if text is not None:
        if output is None:
            sys.stdout.write(text)
        else:
            write_text_atomic(output, text)
    click.echo(formats.summary_line(records), err=True)


class CaseProgress:
    """:func:`porter.check.run.check`'s progress: cases done, and how many have a failing check."""

    def __init__(self, display) -> None:
        self.display = display

    def __enter__(self) -> CaseProgress:
        self.display.__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        self.display.__exit__(*exc_info)

    def start(self, total_cases: int) -> None:
        self.display.start(total_cases)

    def advance(self, cases: int, records: list) -> None:
        failing = {r.case for r in records if r.status in FAILING}
        self.display.step(cases, len(failing), records[-1].case.split("/")[0] if records else "")
