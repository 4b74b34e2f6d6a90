"""``porter optimize FILE --to TARGET --model PROVIDER/NAME``: the LLM rewrite stage."""

from __future__ import annotations

from pathlib import Path

import click
from porter.llm.store import MODES


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--to", "target", required=True, type=click.Choice(["triton", "hip", "pallas", "nki"]))
@click.option("--model", required=True, help="PROVIDER/NAME: openai/gpt-4o, anthropic/claude-sonnet-4-0, "
              "openai-compatible/NAME (with --base-url)")
@click.option("--rounds", default=2, show_default=True, type=click.IntRange(1, 20))
@click.option("--candidates", default=3, show_default=True, type=click.IntRange(1, 32), help="per round")
@click.option("--base-url", help="the API's base URL (a local vLLM: http://localhost:8000/v1)")
@click.option("--api-key-env", help="name of the environment variable holding the API key (never the key)")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), help="folder of recorded exchanges")
@click.option("--mode", type=click.Choice(MODES), default="live", show_default=True)
@click.option("--spec", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="the golden spec (default: FILE with .toml)")
@click.option("--port", "port_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="the deterministic port to improve (default: porter translate's)")
@click.option("--prices", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="extra price table")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="write the JSON report here")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="write the kept module here")
@click.option("--unconfined", is_flag=True, help="run model-written code WITHOUT the bubblewrap sandbox, as your "
              "own user, with your files and network (only where bwrap cannot be installed)")
def optimize(file: Path, target: str, model: str, rounds: int, candidates: int, base_url: str | None,
             api_key_env: str | None, store: Path | None, mode: str, spec: Path | None, port_file: Path | None,
             prices: Path | None, report: Path | None, output: Path | None, unconfined: bool) -> None:
    """Ask a model for faster versions of FILE's port; keep one only if it passes every check.

    Where porter refuses to port FILE to the target (a P04xx/P06xx/P07xx diagnostic), the model is
    asked to write the kernel instead (fill mode): a candidate is kept only if it passes every check
    against FILE's recorded goldens, and the kept module is marked as model-written. Without a golden
    spec and fresh goldens nothing is asked.

    \b
    Examples:
      porter optimize golden/kernels/saxpy.cu --to triton --model anthropic/claude-sonnet-4-0 --store runs/
      porter optimize k.cu --to triton --model openai-compatible/qwen --base-url http://localhost:8000/v1
      porter optimize k.cu --to triton --model openai/gpt-4o --store runs/ --mode replay

    Candidates run in a bubblewrap sandbox (uid 65534, no network, no view of your files);
    without bwrap porter refuses to run them unless --unconfined is given.
    """
    from porter.llm import report as reporting
    from porter.llm.loop import optimize as run
    from porter.llm.providers import ProviderError
    from porter.llm.sandbox import SandboxUnavailable
    from porter.llm.store import ReplayMissError

    from porter.llm import fill as filling

    from porter.atomic import write_text_atomic

    common = dict(model=model, spec=spec, rounds=rounds, candidates=candidates, store=store, mode=mode,
                  base_url=base_url, api_key_env=api_key_env, prices=prices, unconfined=unconfined)
    try:
        refused = None if port_file else filling.refusal(file, target)
        if refused is not None:
            click.echo(f"porter refuses to port {file.name} to {target} ({', '.join(refused.codes)}): asking "
                       f"{model} to write it (fill mode)", err=True)
            result = filling.fill(file, target, **common)
        else:
            result = run(file, target, port=port_file.read_text() if port_file else None, **common)
    except (ProviderError, ReplayMissError, ValueError, SandboxUnavailable) as error:
        raise click.ClickException(str(error)) from None
    click.echo(filling.render(result) if refused is not None else reporting.render(result), nl=False)
    if report:
        write_text_atomic(report, reporting.to_json(result))
    if output and result.code is not None:
        write_text_atomic(output, result.code)
    if result.code is None:
        raise click.ClickException("nothing model-written was kept: every candidate was rejected")
