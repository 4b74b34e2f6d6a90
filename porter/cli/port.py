"""``porter port SRC_DIR --to TARGET --out OUT_DIR [-j N] [--llm MODEL]``: port a whole tree in parallel,
then (with ``--llm``) have a model fill the kernels the passes refuse, kept only against goldens."""

from __future__ import annotations

from pathlib import Path

import click

from porter.cli.options import backend_options, hip_options, project_options, target_option, tile_options
from porter.cli.progress import BarProgress, LineProgress, stderr_is_terminal
from porter.cli.sharding import shard_option

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
@project_options
@click.option("--force", is_flag=True, help="Port every file again, even those the manifest shows up to date.")
@click.option("--llm", "llm_model", metavar="PROVIDER/NAME", default=None,
              help="After the port, ask this model to write the kernels the passes refuse (P04xx/P06xx/P07xx) "
                   "in sources with a golden spec beside them; a module is kept only if it passes every check "
                   "against the goldens.")
@click.option("--llm-store", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of recorded model exchanges (for --llm-mode record and replay).")
@click.option("--llm-mode", type=click.Choice(("live", "record", "replay")), default="live", show_default=True,
              help="live: ask the model; record: ask and store; replay: answers from --llm-store only.")
@click.option("--llm-rounds", type=click.IntRange(1, 20), default=2, show_default=True,
              help="With --llm: rounds of candidates per file (each round sees why the last was rejected).")
@click.option("--llm-candidates", type=click.IntRange(1, 32), default=3, show_default=True,
              help="With --llm: candidates per round.")
@shard_option("Port only shard K of N (1-based): each file goes to the shard a hash of its path in SRC_DIR "
              "picks, so N jobs (each with its own --out) together port every file once.")
@click.option("--unconfined", is_flag=True,
              help="With --llm: run model-written code WITHOUT the bubblewrap sandbox, as your own user "
                   "(only where bwrap cannot be installed).")
def port(src_dir: Path, target: str, out_dir: Path, jobs: int | None, hip_version: str, offload_arch: str,
         launch_syntax: str, launches: tuple[str, ...], flavor: str, instantiate: tuple[str, ...], force: bool,
         llm_model: str | None,
         llm_store: Path | None, llm_mode: str, llm_rounds: int, llm_candidates: int, shard, unconfined: bool,
         include_dirs: tuple[Path, ...], defines: tuple[str, ...], undefines: tuple[str, ...], std: str | None,
         cuda_path: str | None, compile_commands: Path | None) -> int:
    """Port the tree SRC_DIR into OUT_DIR, in parallel.

    \b
    The tree is mirrored: CUDA and C/C++ sources (.cu .cuh .h .hpp .cpp .cc .cxx .c .inl) are
    translated, every other file is copied byte for byte, each written atomically. SRC_DIR is
    never written. Files whose output is current (OUT_DIR/.porter-manifest.json records the
    sha256 of the source and of every file of the tree it includes with #include "...", and
    the options) are skipped, so editing a header re-ports the files that include it; --force
    ports everything again. -I/-D/-U/-std/--cuda-path/--compile-commands say how the project
    compiles (the top of SRC_DIR and each file's own folder are searched for headers too). Links to folders, and to files outside the tree, are not followed.
    Progress goes to stderr: a bar on a terminal, else a line every 10 seconds
    (PORTER_PROGRESS_INTERVAL=SECONDS changes it).

    \b
    Nothing is lost: each file is journaled as it finishes, so a run that is killed resumes
    where it stopped; a full disk stops the run (error P0042) and keeps what was written. For
    --to triton/pallas/nki, sources whose .py outputs would collide (k.cu, k.cuh, k.py) keep
    their suffix in the name (k_cu.py, k_cuh.py); the report lists them.

    \b
    Writes OUT_DIR/report.json and OUT_DIR/report.md: per file its status (translated,
    unchanged, copied, up-to-date, skipped, failed, filled), its edits and its diagnostics.

    \b
    --llm PROVIDER/NAME: after the port, each source whose kernels the passes refuse
    (P04xx/P06xx/P07xx) and that has a golden spec beside it (NAME.toml next to NAME.cu, with
    fresh recorded goldens) goes to fill mode, one file at a time: the model writes the module,
    and it is kept only if it passes every check against the goldens (see porter optimize). A
    kept module replaces the file's output, marked MODEL-WRITTEN in its header; the report
    gives its status as filled with its provenance (model, store key, checks passed). Without
    goldens nothing model-written is kept. Candidates run in the bubblewrap sandbox; without
    bwrap the port refuses to start unless --unconfined is given.

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
                              launch_syntax=launch_syntax, launches=launches, flavor=flavor,
                              instantiate=instantiate)
    if llm_model is not None:
        _check_llm(llm_model, target, llm_store, llm_mode, unconfined)
    elif llm_store is not None or llm_mode != "live" or unconfined:
        raise click.UsageError("--llm-store, --llm-mode and --unconfined go with --llm MODEL")
    try:
        plan = plan_port(src_dir, out_dir, target, force=force, include_dirs=include_dirs, defines=defines,
                         undefines=undefines, std=std, cuda_path=cuda_path, compile_commands=compile_commands,
                         **options)
    except (ValueError, TypeError) as error:  # bad option values
        raise click.BadParameter(str(error)) from None
    if shard is not None:
        from porter.shard import shard_port_plan

        plan = shard_port_plan(plan, shard)
    progress = make_progress()
    with progress:
        run = execute(plan, jobs, progress)
    if llm_model is not None and not run.interrupted and run.stopped is None:
        from porter.port import fill_refused

        fill_refused(run, llm_model, echo=lambda line: click.echo(line, err=True), store=llm_store, mode=llm_mode,
                     rounds=llm_rounds, candidates=llm_candidates, unconfined=unconfined)
    try:
        report_paths = write_reports(run)
    except InputError as error:  # e.g. a full disk: the summary below still says what was written
        report_input_error(error)
        report_paths = None
    for line in summary_lines(run, report_paths=report_paths or ()):
        click.echo(line, err=True)
    return 0 if run.ok and report_paths is not None else EXIT_FILES_FAILED


def _check_llm(model: str, target: str, store: Path | None, mode: str, unconfined: bool) -> None:
    """Before any work: the model names a provider, replay has a store, candidates can be confined."""
    from porter.llm.providers import ProviderError, make_provider
    from porter.llm.sandbox import SandboxUnavailable, require

    if target == "hip":
        raise click.UsageError("--llm fills kernels refused by the tile passes: --to triton, pallas or nki")
    if mode == "replay" and store is None:
        raise click.UsageError("--llm-mode replay needs --llm-store DIR")
    try:
        make_provider(model)
        require(unconfined)
    except (ProviderError, SandboxUnavailable) as error:
        raise click.UsageError(str(error)) from None


def make_progress() -> PortProgress:
    """A rich progress bar when stderr is a terminal; otherwise a plain line now and then
    (:mod:`porter.cli.progress`)."""
    from rich.console import Console

    return RichProgress(Console(stderr=True)) if stderr_is_terminal() else PlainProgress()


class PortProgress:
    """:func:`porter.port.execute`'s progress, shown by a :mod:`porter.cli.progress` display."""

    def __init__(self, display: BarProgress | LineProgress) -> None:
        self.display = display

    def __enter__(self) -> PortProgress:
        self.display.__enter__()
        return self

    def __exit__(self, *exc_info) -> None:
        self.display.__exit__(*exc_info)

    def start(self, total: int) -> None:
        self.display.start(total)

    def advance(self, records) -> None:
        from porter.port import FAILED

        self.display.step(len(records), sum(1 for r in records if r.status == FAILED),
                          records[-1].path if records else "")


class RichProgress(PortProgress):
    def __init__(self, console) -> None:
        super().__init__(BarProgress("porting", console))


class PlainProgress(PortProgress):
    """For logs: ``porter port: 120/1320 files, 0 failed, 2m10s`` at most every ``interval``
    seconds (default: 10, or ``PORTER_PROGRESS_INTERVAL``), none for a port that is quick."""

    def __init__(self, interval: float | None = None) -> None:
        super().__init__(LineProgress("porter port", "files", interval=interval))


__all__ = ["EXIT_FILES_FAILED", "port"]
