"""``porter golden``: record golden outputs on an NVIDIA GPU (or capture them from a program's run),
list them, validate specs, rehash them.

Exit codes: 0 success, 1 some case failed (record) or could not be hashed (rehash), 2 bad spec or
arguments, 3 no nvcc / no GPU.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from pathlib import Path

import click

from porter.golden import corpus_dir, discover, load_spec
from porter.golden.errors import GoldenError, ToolchainError
from porter.golden.model import KernelSpec

EXIT_FAILED_CASES = 1
EXIT_BAD_SPEC = 2
EXIT_NO_TOOLCHAIN = 3
SANITIZER_TOOLS = ("memcheck", "racecheck", "synccheck", "initcheck")

paths_argument = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
store_option = click.option("--store", type=click.Path(path_type=Path), default=None,
                            help="Folder of recorded goldens (default: golden/recorded beside each "
                                 "kernels/ folder, else DIR/recorded).")


def _guarded(function):
    """Turn porter's golden errors into a message and an exit code, never a traceback."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except GoldenError as error:
            click.echo(f"porter: error: {error.message}", err=True)
            if error.hint:
                click.echo(f"  = hint: {error.hint}", err=True)
            sys.exit(EXIT_NO_TOOLCHAIN if isinstance(error, ToolchainError) else EXIT_BAD_SPEC)

    return wrapper


def _console():
    from rich.console import Console

    return Console(stderr=True)


def load_specs(paths: tuple[Path, ...]) -> list[KernelSpec]:
    files = discover(paths or [corpus_dir()])
    if not files:
        raise GoldenError(f"no kernel specs found in {', '.join(map(str, paths))}",
                          "a spec is a NAME.toml beside its NAME.cu")
    return [load_spec(path) for path in files]


@click.group()
def golden() -> None:
    """Golden outputs: CUDA kernels run on an NVIDIA GPU, that every port is checked against.

    \b
    Examples:
      porter golden list
      porter golden validate --compile
      porter golden record --case 'n1000*'
      porter golden record my_kernels/ --store my_goldens/
      porter golden capture --source src -o captured -- ./my_app 100
      porter golden rehash
    """


@golden.command()
@paths_argument
@click.option("--case", "case_glob", default=None, metavar="GLOB",
              help="Record only cases whose name (or KERNEL/CASE) matches, e.g. 'softmax*/*'.")
@click.option("--nvcc", default=None, metavar="PATH", help="The nvcc to use (default: found on PATH).")
@store_option
@click.option("-j", "--jobs", type=click.IntRange(1), default=None, help="Parallel compiles (default: CPUs).")
@click.option("--sanitize", type=click.Choice(SANITIZER_TOOLS), is_flag=False, flag_value="memcheck",
              default=None, help="Run every case under compute-sanitizer with this tool (default memcheck).")
@click.option("--build-dir", type=click.Path(path_type=Path), default=None,
              help="Keep the generated launchers here (default: a temporary folder).")
@_guarded
def record(paths, case_glob, nvcc, store, jobs, sanitize, build_dir) -> None:
    """Run the kernels of PATHS (default: porter's corpus) on this GPU and store their outputs."""
    from rich.markup import escape

    from porter.golden.record import Recorder, selected_cases
    from porter.golden.toolchain import find_gpu, find_nvcc

    specs = load_specs(paths)
    toolchain, gpu = find_nvcc(nvcc), find_gpu()
    total = sum(len(selected_cases(s, case_glob)) for s in specs)
    if not total:
        raise GoldenError(f"no case matches {case_glob!r}")
    console = _console()
    console.print(f"recording {total} cases of {len(specs)} kernels on {gpu.name} "
                  f"(driver {gpu.driver_version}, nvcc {toolchain.nvcc_version})", highlight=False)
    with tempfile.TemporaryDirectory(prefix="porter-golden-") as scratch:
        recorder = Recorder(toolchain, gpu, build_dir or Path(scratch), store, sanitize)
        outcomes = _record_with_progress(recorder, specs, case_glob, jobs, total, console)
    failed = [o for o in outcomes if o.status != "recorded"]
    for outcome in failed:
        console.print(f"[red]failed[/red] {outcome.kernel}/{outcome.case}: {escape(outcome.message)}",
                      highlight=False)
    stores = sorted({str(recorder.store_for(spec)) for spec in specs})
    console.print(f"{len(outcomes) - len(failed)} recorded, {len(failed)} failed; "
                  f"goldens in {', '.join(stores)}", highlight=False)
    if failed:
        sys.exit(EXIT_FAILED_CASES)


@golden.command(epilog="Exit code: 0 specs written; 1 nothing captured; 2 bad arguments or the program "
                        "failed; 3 no C compiler for the shim.")
@click.option("--source", "sources", multiple=True, required=True, type=click.Path(exists=True, path_type=Path),
              help="A folder (or file) of the program's CUDA sources, where kernel signatures come from. "
                   "Repeatable.")
@click.option("--kernel", "kernels", multiple=True, metavar="GLOB",
              help="Capture kernels matching GLOB (default: all).")
@click.option("--launches", type=click.IntRange(1), default=1, show_default=True,
              help="Capture at most N sampled launches per kernel.")
@click.option("--every", type=click.IntRange(1), default=1, show_default=True,
              help="Sample every k-th launch of a kernel (with --launches: the first N of those).")
@click.option("--max-bytes", type=click.IntRange(1), default=1 << 30, show_default=True,
              help="Stop capturing once the memory dumps reach this many bytes.")
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("captured"), show_default=True,
              help="Writes OUT/kernels (specs, kernel files, data), OUT/recorded (goldens), OUT/capture (raw).")
@click.option("--timeout", type=click.FloatRange(0, min_open=True), default=None, help="Seconds the program may run.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@_guarded
def capture(sources, kernels, launches, every, max_bytes, out, timeout, command) -> None:
    """Goldens from a real program: run `-- PROGRAM ARGS...` on this GPU and write specs + goldens
    of the kernel launches it makes (the program must be built with `nvcc -cudart shared`).

    \b
    Example:
      porter golden capture --source src --kernel 'heat*' --launches 3 -o captured -- ./heat 100
      porter check captured/kernels --backend hip
    """
    from porter.golden.capture import CaptureError, Sampling
    from porter.golden.capture import capture as run_capture

    console = _console()
    sampling = Sampling(tuple(kernels), launches, every, max_bytes)
    try:
        result = run_capture(Path(command[0]), list(command[1:]), list(sources), out, sampling, timeout)
    except CaptureError as error:
        click.echo(f"porter: error[{error.code}]: {error.message}", err=True)
        if error.hint:
            click.echo(f"  = hint: {error.hint}", err=True)
        sys.exit(EXIT_NO_TOOLCHAIN if error.code == "P0130" else EXIT_BAD_SPEC)
    for code, message in result.notes:
        click.echo(f"porter: warning[{code}]: {message}", err=True)
    for skipped in result.skipped:
        click.echo(f"porter: warning[{skipped.code}]: {skipped.kernel} launch {skipped.number}: {skipped.message}",
                   err=True)
    for written in result.written:
        console.print(f"{written.spec}: {len(written.cases)} case(s) ({', '.join(written.cases)})", highlight=False)
    seen = ", ".join(f"{k} {got}/{total}" for k, (total, got) in sorted(result.counts.items()))
    console.print(f"{result.cases} launch(es) captured into {len(result.written)} spec(s) in {out}/kernels, goldens in "
                  f"{out}/recorded; launches captured/seen: {seen or 'none'}", highlight=False)
    if not result.written:
        sys.exit(EXIT_FAILED_CASES)


def _record_with_progress(recorder, specs, case_glob, jobs, total, console):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from porter.golden.record import record_all

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("compiling launchers", total=total)

        def advance(outcome) -> None:
            progress.update(task, advance=1, description=f"{outcome.kernel}/{outcome.case}")

        return record_all(recorder, specs, case_glob, jobs, advance)


@golden.command("list", epilog="Exit code: 0; 2 for a bad spec.")
@paths_argument
@store_option
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="A table for people, or JSON for tools (kernel, case, status, recorded on, why).")
@_guarded
def list_goldens(paths, store, output_format) -> None:
    """Show each case of PATHS (default: porter's corpus): fresh, stale, missing, orphan, corrupt
    (a file missing, unreadable, misshapen or not matching its data hash) or unhashed."""
    from rich.table import Table

    from porter.golden.store import default_store, entries

    if output_format == "json":
        import json

        rows = [{"kernel": e.kernel, "case": e.case, "status": e.status, "gpu": e.gpu, "why": e.reason}
                for spec in load_specs(paths) for e in entries(spec, store or default_store(spec.path))]
        click.echo(json.dumps(rows, indent=2))
        return

    table = Table("kernel", "case", "status", "recorded on", "why")
    counts: dict[str, int] = {}
    styles = {"fresh": "green", "stale": "yellow", "missing": "red", "orphan": "magenta", "corrupt": "bold red",
              "unhashed": "yellow"}
    for spec in load_specs(paths):
        for entry in entries(spec, store or default_store(spec.path)):
            counts[entry.status] = counts.get(entry.status, 0) + 1
            table.add_row(entry.kernel, entry.case, f"[{styles[entry.status]}]{entry.status}[/]",
                          entry.gpu or "", entry.reason)
    from rich.console import Console

    console = Console()
    console.print(table)
    console.print(", ".join(f"{count} {status}" for status, count in sorted(counts.items())))


@golden.command()
@paths_argument
@click.option("--case", "case_glob", default=None, metavar="GLOB",
              help="Only cases whose name (or KERNEL/CASE) matches.")
@store_option
@_guarded
def rehash(paths, case_glob, store) -> None:
    """Add the data hash to goldens of PATHS (default: porter's corpus) recorded without one.

    Only a golden that is otherwise fresh is hashed: its npz must read in full and hold every array
    the spec's buffers need, with their dtype and shape. Goldens that already carry a hash are
    verified, never rewritten; stale or corrupt ones are listed (record them again).
    """
    from rich.markup import escape

    from porter.golden.record import selected_cases
    from porter.golden.store import default_store
    from porter.golden.store import rehash as rehash_case

    console = _console()
    counts: dict[str, int] = {}
    for spec in load_specs(paths):
        for case in selected_cases(spec, case_glob):
            outcome, why = rehash_case(spec, case, store or default_store(spec.path))
            counts[outcome] = counts.get(outcome, 0) + 1
            if outcome not in ("hashed", "kept", "missing"):
                console.print(f"[red]{outcome}[/red] {spec.name}/{case.name}: {escape(why)}", highlight=False)
    console.print(", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items())) or "no cases",
                  highlight=False)
    if set(counts) - {"hashed", "kept", "missing"}:
        sys.exit(EXIT_FAILED_CASES)


@golden.command()
@paths_argument
@click.option("--compile", "compile_", is_flag=True,
              help="Also compile each generated launcher with nvcc -c (no GPU needed).")
@click.option("--nvcc", default=None, metavar="PATH", help="The nvcc to use (default: found on PATH).")
@click.option("--arch", default="sm_90", show_default=True, help="-arch for --compile.")
@click.option("-j", "--jobs", type=click.IntRange(1), default=None, help="Parallel compiles (default: CPUs).")
@_guarded
def validate(paths, compile_, nvcc, arch, jobs) -> None:
    """Check the specs of PATHS (default: porter's corpus) without a GPU.

    Every problem of every spec is reported, as file:line:col: error[P01xx]: message.
    Exit code: 0 valid; 2 a problem in some spec; 3 no nvcc for --compile.
    """
    from porter.golden.diagnose import diagnose

    files = discover(paths or [corpus_dir()])
    problems = [problem for path in files for problem in diagnose(path)]
    for problem in problems:
        click.echo(problem.format(), err=True)
    if problems:
        bad = len({p.path for p in problems})
        click.echo(f"{len(problems)} problem(s) in {bad} of {len(files)} spec(s)", err=True)
        sys.exit(EXIT_BAD_SPEC)
    specs = load_specs(paths)
    cases = sum(len(s.cases) for s in specs)
    if compile_:
        _compile_all(specs, nvcc, arch, jobs)
    what = " and their launchers compile" if compile_ else ""
    click.echo(f"{len(specs)} kernel specs with {cases} cases are valid{what}")


def _compile_all(specs: list[KernelSpec], nvcc: str | None, arch: str, jobs: int | None) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from porter.golden.launcher import generate_launcher
    from porter.golden.toolchain import compile_object, find_nvcc

    toolchain = find_nvcc(nvcc)
    with tempfile.TemporaryDirectory(prefix="porter-golden-") as folder:
        def build(spec: KernelSpec) -> str | None:
            source = Path(folder) / f"{spec.name}.launcher.cu"
            source.write_text(generate_launcher(spec))
            try:
                compile_object(toolchain, source, source.with_suffix(".o"), arch)
            except ToolchainError as error:
                return error.message
            return None

        with ThreadPoolExecutor(jobs or os.cpu_count() or 1) as pool:
            errors = [e for e in pool.map(build, specs) if e]
    if errors:
        raise ToolchainError(f"{len(errors)} launcher(s) did not compile:\n" + "\n".join(errors))
