"""``porter bench``: time the golden cases on this machine's NVIDIA GPU, per backend.

Exit codes: 0 all timed, 1 some timing failed (or a port gave wrong results), 2 bad spec or
arguments, 3 no GPU / nvcc (unless --dry-run).
"""

from __future__ import annotations

import shlex
import sys
import tempfile
from pathlib import Path

import click

from porter.cli.golden import EXIT_BAD_SPEC, EXIT_NO_TOOLCHAIN, _guarded, load_specs

EXIT_FAILED = 1
DEFAULT_BACKENDS = ("cuda", "hip", "triton", "pallas")  # every backend that runs on an NVIDIA GPU


def _backends() -> list[str]:
    from porter.bench.timers import TIMERS

    return list(TIMERS)


@click.command(epilog="Exit code: 0 when every case was timed; 1 when a timing failed or a port gave wrong results; 2 for a bad spec or arguments; 3 for no GPU or nvcc (unless --dry-run).")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--backend", "backends", multiple=True, type=click.Choice(("cuda", "hip", "triton", "pallas")),
              help="Backends to time (repeatable; default: all: cuda, hip, triton, pallas; one that cannot run here is listed as unavailable).")
@click.option("--optimized", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
              help="Also time the LLM stage's kept Triton modules, DIR/NAME.py for golden kernel NAME "
                   "(from porter optimize NAME.cu --to triton -o DIR/NAME.py), as backend triton-llm.")
@click.option("--case", "case_glob", default=None, metavar="GLOB",
              help="Only cases whose name (or KERNEL/CASE) matches, e.g. 'softmax*/*'.")
@click.option("--runs", type=click.IntRange(100), default=100, show_default=True,
              help="Timed runs per case (at least 100).")
@click.option("--warmup", type=click.IntRange(1), default=10, show_default=True, help="Warm-up runs per case.")
@click.option("--copies", type=click.IntRange(2, 64), default=4, show_default=True,
              help="Input sets rotated between runs.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for bench.txt, bench.json, bench.png (default: benchmarks/results/DATE-GPU).")
@click.option("--store", type=click.Path(path_type=Path), default=None, help="Folder of recorded goldens.")
@click.option("--nvcc", default=None, metavar="PATH", help="The nvcc to use (default: found on PATH).")
@click.option("--build-dir", type=click.Path(path_type=Path), default=None,
              help="Keep generated timers here (default: a temporary folder).")
@click.option("--no-torch", is_flag=True, help="Measure peaks without torch (probe kernels only).")
@click.option("--dry-run", is_flag=True, help="List what would be timed; needs no GPU.")
@click.option("--scale", "scale_mb", type=click.FloatRange(min=0, min_open=True), default=None, metavar="MB",
              help="Grow each case to move at most MB megabytes (10^6 bytes, reads + writes): every size in "
                   "its buffers' shapes is multiplied by the largest integer factor that fits (a power of two "
                   "when those sizes all are; kernels with a flop formula capped at 1e11 flops); sizes in "
                   "block, shared_bytes or template arguments are held, and a case with nothing to grow is "
                   "listed as not scalable. One case per kernel is timed (the one moving the most bytes), "
                   "cuda is always timed first and every port's outputs are checked against its outputs.")
@_guarded
def bench(paths, backends, optimized, case_glob, runs, warmup, copies, out_dir, store, nvcc, build_dir, no_torch, dry_run,
          scale_mb):
    """Time every golden case of PATHS (default: porter's corpus) on this GPU, per backend.

    \b
    Examples:
      porter bench --dry-run
      porter bench --backend cuda --backend hip
      porter bench --case 'softmax*/*' --runs 200 --out /tmp/bench
    """
    from porter.bench.report import default_out_dir, table_text, write_all
    from porter.bench.run import dry_run_lines, measure_peaks, run_benchmark, selection
    from porter.bench.timers import FAILED, Settings
    from porter.check.machine import Machine
    from porter.golden.errors import GoldenError, ToolchainError

    backends = list(dict.fromkeys(backends or DEFAULT_BACKENDS))
    settings = Settings(runs=runs, warmup=warmup, copies=copies)
    chosen = selection(load_specs(paths), case_glob)
    if not chosen:
        raise GoldenError(f"no case matches {case_glob!r}")
    scale = None
    if scale_mb is not None:
        from porter.bench.scale import MB, scale_document, scale_lines, scale_selection

        backends = ["cuda", *(b for b in backends if b != "cuda")]
        scaled, not_scalable = scale_selection(chosen, int(scale_mb * MB))
        scale = scale_document(scale_mb, scaled, not_scalable)
        chosen = [(spec, [s.case for s in cases]) for spec, cases in scaled]
        if not chosen:
            raise GoldenError(f"no selected case can be scaled to {scale_mb:g} MB")
    if dry_run:
        for line in scale_lines(scale) if scale else []:
            click.echo(line)
        for line in dry_run_lines(chosen, backends + (["triton-llm"] if optimized else []), settings):
            click.echo(line)
        return
    with tempfile.TemporaryDirectory(prefix="porter-bench-") as scratch:
        machine = Machine(build_dir or Path(scratch), nvcc)
        if machine.gpu is None:
            raise ToolchainError(machine.missing["gpu"], "run porter bench on a machine with an NVIDIA GPU "
                                 "(--dry-run lists what it would time)")
        if machine.nvcc is None:
            raise ToolchainError(machine.missing["nvcc"], "install the CUDA toolkit or pass --nvcc PATH")
        say = lambda message: click.echo(f"porter bench: {message}", err=True)
        say(f"measuring the ceilings of {machine.gpu.name}")
        peaks = measure_peaks(machine, use_torch=not no_torch)
        data = run_benchmark(chosen, backends, settings, machine, store, peaks, say,
                             command=shlex.join(["porter", "bench", *sys.argv[2:]]), scale=scale,
                             optimized=optimized)
    folder = out_dir or default_out_dir(data, Path.cwd() / "benchmarks" / "results")
    click.echo(table_text(data))
    for path in write_all(data, folder):
        click.echo(f"wrote {path}", err=True)
    bad = [r for r in data["results"] if r["status"] == FAILED or r.get("correct") is False]
    if bad:
        sys.exit(EXIT_FAILED)


__all__ = ["EXIT_BAD_SPEC", "EXIT_NO_TOOLCHAIN", "bench"]
