"""``porter profile -- CMD ...``: run a workload under a profiler and keep what the GPU did."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("porter-profile.db"),
              show_default=True, help="The profile database (SQLite) to write.")
@click.option("--trace", "trace_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a Chrome/Perfetto JSON trace (default: OUTPUT with .trace.json).")
@click.option("--timeout", type=float, help="Seconds the workload may run.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def profile(output: Path, trace_path: Path | None, timeout: float | None, command: tuple[str, ...]) -> None:
    """Run COMMAND under a profiler and write what the GPU did to a database.

    \b
    Python workloads (python script.py, python -m module, a .py file) run under
    torch.profiler; binaries run under Nsight Compute (ncu, from the CUDA toolkit),
    which also counts DRAM bytes and FLOPs per kernel (for `porter trace roofline`).
    The database (SQLite) holds tables kernels, memops, api_calls, meta and
    profiler_totals; query it with `porter trace`. The JSON trace opens in
    ui.perfetto.dev.

    \b
    Examples:
      porter profile -o run.db -- python train.py --steps 10
      porter profile -o app.db -- ./my_cuda_app input.bin
      porter trace top run.db

    Exit status: the workload's own, or 2 when it could not be profiled.
    """
    from porter.profile.runner import ProfileError
    from porter.profile.runner import profile as run_profile

    trace_path = trace_path or output.with_suffix(".trace.json")
    try:
        result, status = run_profile(list(command), output, trace_path, timeout=timeout)
    except ProfileError as error:
        raise click.ClickException(str(error)) from None
    total = sum(k.duration_ns for k in result.kernels) / 1e6
    click.echo(f"porter profile: {len(result.kernels)} kernel launches ({total:.3f} ms of GPU time), "
               f"{len(result.memops)} memory operations, {len(result.api_calls)} API calls "
               f"({result.meta.get('profiler', result.meta.get('source'))}) -> {output}, {trace_path}", err=True)
    if not result.kernels:
        click.echo("porter profile: no GPU kernel was recorded (does the workload see a GPU?)", err=True)
    raise SystemExit(status)
