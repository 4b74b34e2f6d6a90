"""``porter mcp``: serve porter's tools to coding agents over the Model Context Protocol (stdio)."""

from __future__ import annotations

import click


@click.command(epilog="Exit code: 0 when the client closes the connection; 1 when the mcp package is missing.")
def mcp() -> None:
    """Serve porter as a Model Context Protocol server on stdin/stdout (for coding agents).

    \b
    Tools: translate, port, analyze, check, bench (what it would time), explain (a diagnostic
    id), doctor; resource porter://diagnostics (the diagnostic catalogue). Every tool takes typed
    arguments and returns JSON; bad input is a tool error naming the diagnostic id and a hint.
    Needs the agent extra: pip install 'porter[agent]'. Register it with an agent, e.g.
      claude mcp add porter -- porter mcp
    """
    try:
        from porter.agent.server import serve
    except ModuleNotFoundError as error:
        if error.name is None or not error.name.startswith("mcp"):
            raise
        raise click.ClickException("porter mcp needs the Model Context Protocol SDK: pip install 'porter[agent]'")
    serve()
