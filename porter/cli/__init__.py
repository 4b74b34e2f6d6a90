"""The ``porter`` command line. Each sub-command lives in its own module and loads on use."""

from __future__ import annotations

import importlib

import click

from porter import __version__

# name -> "module:attribute"; modules load only when their command runs (start-up stays fast).
COMMANDS = {
    "translate": "porter.cli.translate:translate",
    "port": "porter.cli.port:port",
    "doctor": "porter.cli.doctor:doctor",
    "golden": "porter.cli.golden:golden",
    "check": "porter.cli.check:check",
    "optimize": "porter.llm.cli:optimize",
    "ir": "porter.cli.ir:ir",
    "analyze": "porter.cli.analyze:analyze",
    "bench": "porter.cli.bench:bench",
    "mcp": "porter.cli.mcp:mcp",
    "skill": "porter.cli.skill:skill",
    "explain": "porter.cli.explain:explain",
    "profile": "porter.cli.profile:profile",
    "trace": "porter.cli.trace:trace",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="porter")
def cli() -> None:
    """porter ports CUDA kernels to HIP (AMD), Triton, JAX Pallas and AWS NKI.

    \b
    Examples:
      porter translate kernel.cu --to hip -o kernel.hip
      porter port src/ --to hip --out build/hip -j 8
      porter doctor
    """


def main() -> None:
    from porter.cli.errors import run_guarded

    run_guarded(cli)
