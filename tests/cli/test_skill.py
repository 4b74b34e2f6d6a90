"""``porter skill``: the guide lands where each agent reads it, parses, uninstalls cleanly, and every
porter command it shows exists with the options it uses."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from porter.agent.skill import guide, render
from porter.cli import cli
from tests.cli.trees import run_porter

yaml = pytest.importorskip("yaml", reason="PyYAML parses the front matter (the test extra installs it)")

WHERE = {  # what each agent documents: Claude Code skills, Cursor project rules, Codex's AGENTS.md
    "claude-code": ".claude/skills/porter/SKILL.md",
    "cursor": ".cursor/rules/porter.mdc",
    "codex": "AGENTS.md",
}


def snapshot(root: Path) -> dict[str, bytes | None]:
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in root.rglob("*")}


def front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    head, _, _ = text[4:].partition("\n---\n")
    return yaml.safe_load(head)


@pytest.mark.parametrize("agent", sorted(WHERE))
def test_install_lands_where_the_agent_reads_and_uninstall_restores_the_tree(tmp_path, capsys, monkeypatch, agent):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "k.cu").write_text("__global__ void k() {}\n")
    (tmp_path / ".claude").mkdir()  # a folder of the user's, which must stay
    (tmp_path / "AGENTS.md").write_text("# My project\n\nRun `make test`.")  # no final newline, on purpose
    before = snapshot(tmp_path)
    for _ in range(2):  # a second install updates in place
        assert run_porter(["skill", "install", "--agent", agent, "--project", tmp_path], capsys, monkeypatch).code == 0
    written = (tmp_path / WHERE[agent]).read_text()
    if agent == "codex":
        assert written.startswith("# My project\n\nRun `make test`.\n\n<!-- BEGIN porter")
        assert written.count("<!-- BEGIN porter") == 1 and written.endswith("<!-- END porter -->\n")
    else:
        meta = front_matter(written)
        if agent == "claude-code":
            assert meta["name"] == "porter" and "CUDA" in meta["description"]
        else:
            assert meta["alwaysApply"] is False and "**/*.cu" in meta["globs"] and meta["description"]
    assert "## Never" in written
    assert run_porter(["skill", "install", "--agent", agent, "--project", tmp_path, "--uninstall"],
                      capsys, monkeypatch).code == 0
    assert snapshot(tmp_path) == before


def test_codex_user_install_creates_and_removes_its_agents_md(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex-home"))
    (tmp_path / "codex-home").mkdir()
    assert run_porter(["skill", "install", "--agent", "codex", "--user"], capsys, monkeypatch).code == 0
    assert (tmp_path / "codex-home" / "AGENTS.md").read_text().startswith("<!-- BEGIN porter")
    assert run_porter(["skill", "install", "--agent", "codex", "--user", "--uninstall"], capsys, monkeypatch).code == 0
    assert list((tmp_path / "codex-home").iterdir()) == []


def test_claude_user_install_goes_to_the_home_skills_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert run_porter(["skill", "install", "--agent", "claude-code", "--user"], capsys, monkeypatch).code == 0
    assert front_matter((tmp_path / ".claude/skills/porter/SKILL.md").read_text())["name"] == "porter"
    assert run_porter(["skill", "install", "--agent", "claude-code", "--user", "--uninstall"],
                      capsys, monkeypatch).code == 0
    assert list(tmp_path.iterdir()) == []


def test_never_overwrites_a_file_porter_did_not_write(tmp_path, capsys, monkeypatch):
    rule = tmp_path / ".cursor" / "rules" / "porter.mdc"
    rule.parent.mkdir(parents=True)
    rule.write_text("my own rule\n")
    outcome = run_porter(["skill", "install", "--agent", "cursor", "--project", tmp_path], capsys, monkeypatch)
    assert outcome.code == 2 and "P0094" in outcome.err and rule.read_text() == "my own rule\n"
    outcome = run_porter(["skill", "install", "--agent", "cursor", "--project", tmp_path, "--uninstall"],
                         capsys, monkeypatch)
    assert outcome.code == 2 and rule.read_text() == "my own rule\n"


def test_cursor_has_no_user_file(capsys, monkeypatch):
    outcome = run_porter(["skill", "install", "--agent", "cursor", "--user"], capsys, monkeypatch)
    assert outcome.code == 2 and "P0094" in outcome.err


def test_show_prints_the_guide(capsys, monkeypatch):
    outcome = run_porter(["skill", "show"], capsys, monkeypatch)
    assert outcome.code == 0 and outcome.out == guide()
    assert len(guide().splitlines()) <= 150
    assert front_matter(render("claude-code"))["name"] == "porter"


def guide_commands() -> list[list[str]]:
    """Every porter command line the guide shows (code blocks and inline code)."""
    blocks = re.findall(r"```sh\n(.*?)```", guide(), re.DOTALL)
    lines = [line.strip() for block in blocks for line in block.splitlines() if line.strip().startswith("porter ")]
    lines += re.findall(r"`(porter [^`]+)`", guide())
    return [shlex.split(line.split(" #")[0])[1:] for line in lines]


def resolve(words: list[str]) -> tuple[list[str], click.Command]:
    """The sub-command path of ``porter WORDS`` and the command it names."""
    from porter.cli.sharding import WithMerge, merge

    command: click.Command = cli
    path: list[str] = []
    with click.Context(cli) as ctx:
        for word in words:
            if isinstance(command, click.Group) and word in command.list_commands(ctx):
                command = command.get_command(ctx, word)
            elif isinstance(command, WithMerge) and word == "merge":
                command = merge
            else:
                break
            path.append(word)
    return path, command


def test_every_command_the_guide_shows_exists_with_its_options():
    commands = guide_commands()
    assert len(commands) >= 12
    runner = CliRunner()
    for words in commands:
        path, command = resolve(words)
        assert path, words
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (words, result.output)
        known = {opt for param in command.params for opt in param.opts + param.secondary_opts}
        for word in words:
            if word.startswith("-") and word != "-":
                assert word.split("=")[0] in known, (words, word)
