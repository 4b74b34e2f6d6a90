"""``porter skill show`` and ``porter skill install --agent A [--project DIR | --user] [--uninstall]``."""

from __future__ import annotations

from pathlib import Path

import click

AGENT_NAMES = ("claude-code", "cursor", "codex")


@click.group()
def skill() -> None:
    """porter's guide for coding agents: the workflow, the diagnostics, and what never to do.

    \b
    Examples:
      porter skill show
      porter skill install --agent claude-code
      porter skill install --agent codex --user
      porter skill install --agent cursor --project ~/src/app --uninstall
    """


@skill.command(epilog="Exit code: 0.")
@click.option("--agent", type=click.Choice(AGENT_NAMES), default=None,
              help="Print it as this agent's file (with its front matter).")
def show(agent: str | None) -> None:
    """Print the guide."""
    from porter.agent.skill import guide, render

    click.echo(render(agent) if agent else guide(), nl=False)


@skill.command(epilog="Exit code: 0 when written (or removed); 2 when a file in the way is not porter's, "
                      "the guide is not installed, or the agent has no such place (P0094).")
@click.option("--agent", required=True, type=click.Choice(AGENT_NAMES), help="The coding agent to install for.")
@click.option("--project", "project", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="The project folder (default: the current folder).")
@click.option("--user", "user", is_flag=True, help="Install for your user instead of one project.")
@click.option("--uninstall", is_flag=True, help="Remove exactly what the install wrote.")
def install(agent: str, project: Path | None, user: bool, uninstall: bool) -> None:
    """Write the guide where AGENT reads it.

    \b
    claude-code  .claude/skills/porter/SKILL.md   (--user: ~/.claude/skills/porter/SKILL.md)
    cursor       .cursor/rules/porter.mdc         (project only: Cursor keeps user rules in settings)
    codex        a porter section in AGENTS.md    (--user: $CODEX_HOME/AGENTS.md, default ~/.codex)
    An AGENTS.md of your own keeps its text: porter appends one delimited section and removes only it.
    A file porter did not write is never overwritten. --uninstall also removes the folders the
    install created, when they are empty.
    """
    from porter.agent.skill import install as write, uninstall as remove

    if user and project is not None:
        raise click.UsageError("give --project DIR or --user, not both")
    folder = None if user else (project or Path.cwd())
    path = (remove if uninstall else write)(agent, folder)
    click.echo(f"porter: {'removed porter from' if uninstall else 'wrote'} {path}", err=True)
