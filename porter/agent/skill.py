"""Install porter's guide where each coding agent reads it, and remove exactly what was installed.

* Claude Code: a skill, ``.claude/skills/porter/SKILL.md`` (YAML front matter ``name``, ``description``);
  for the user, ``~/.claude/skills/porter/SKILL.md``.
* Cursor: a project rule, ``.cursor/rules/porter.mdc`` (front matter ``description``, ``globs``,
  ``alwaysApply``). Cursor keeps user rules in its settings, not in files: project only.
* Codex: a delimited section of ``AGENTS.md`` (project root; for the user ``$CODEX_HOME/AGENTS.md``,
  by default ``~/.codex/AGENTS.md``); the rest of the file is never touched.

Every file porter writes carries a marker with the folders it created, so uninstalling removes the
file (or only porter's section) and those folders when empty, and nothing else.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from porter.atomic import write_text_atomic
from porter.source import InputError

NAME = "porter"
DESCRIPTION = ("Port CUDA kernels to HIP, Triton, JAX Pallas or AWS NKI with porter, check the ports against "
               "golden outputs, read porter's P#### diagnostics. Use when porting or checking CUDA code.")
# A whole file porter owns ends with this line; AGENTS.md holds porter's section between BEGIN and END.
OWNED = re.compile(r"^<!-- porter skill: installed by `porter skill install`; created=(?P<created>[^ ]*) -->\n\Z",
                   re.MULTILINE)
BEGIN = re.compile(r"(?P<pad>\n*)<!-- BEGIN porter \(porter skill install; pad=(?P<n>\d+) created=(?P<created>[^ ]*)\) -->\n")
END = "<!-- END porter -->\n"


@dataclass(frozen=True)
class Agent:
    project_path: str                  # relative to the project folder
    user_path: str | None              # relative to the home folder (None: no user-level file)
    front_matter: str                  # YAML between --- lines ("" for none)
    section: bool = False              # True: a section appended to a shared file (AGENTS.md)


AGENTS = {
    "claude-code": Agent(".claude/skills/porter/SKILL.md", ".claude/skills/porter/SKILL.md",
                         f"name: {NAME}\ndescription: {json.dumps(DESCRIPTION)}\n"),
    "cursor": Agent(".cursor/rules/porter.mdc", None,
                    f"description: {json.dumps(DESCRIPTION)}\nglobs: \"**/*.cu,**/*.cuh\"\nalwaysApply: false\n"),
    "codex": Agent("AGENTS.md", ".codex/AGENTS.md", "", section=True),
}


def guide() -> str:
    return resources.files("porter.agent").joinpath("guide/porter.md").read_text(encoding="utf-8")


def render(agent: str) -> str:
    """The guide as ``agent`` reads it (front matter first), without porter's marker."""
    front = AGENTS[agent].front_matter
    return (f"---\n{front}---\n\n" if front else "") + guide()


def target_path(agent: str, project: Path | None) -> tuple[Path, Path]:
    """(root, file): the folder the install is relative to and the file it writes."""
    spec = AGENTS[agent]
    if project is not None:
        return project, project / spec.project_path
    if spec.user_path is None:
        raise InputError("P0094", f"{agent} keeps user-level rules in its settings, not in files",
                         "install into a project instead: porter skill install --agent cursor --project DIR")
    if agent == "codex" and os.environ.get("CODEX_HOME"):
        home = Path(os.environ["CODEX_HOME"])
        return home, home / "AGENTS.md"
    home = Path.home()
    return home, home / spec.user_path


def install(agent: str, project: Path | None) -> Path:
    root, path = target_path(agent, project)
    if not root.is_dir():
        raise InputError("P0094", f"no such folder: {root}", "give an existing project folder", str(root))
    created = _missing_folders(root, path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    if AGENTS[agent].section:
        _install_section(root, path, render(agent), created)
    else:
        if path.exists() and not OWNED.search(path.read_text(encoding="utf-8")):
            raise InputError("P0094", f"{path} exists and was not written by porter", "move it away first",
                             str(path))
        if path.exists():  # an update keeps the record of what the first install created
            created = OWNED.search(path.read_text(encoding="utf-8"))["created"].split(",")
        write_text_atomic(path, render(agent) + _owned_marker(created))
    return path


def uninstall(agent: str, project: Path | None) -> Path:
    root, path = target_path(agent, project)
    text = path.read_text(encoding="utf-8") if path.is_file() else None
    if text is None:
        raise InputError("P0094", f"porter's guide is not installed at {path}", None, str(path))
    if AGENTS[agent].section:
        begin = BEGIN.search(text)
        end = text.find(END, begin.end()) if begin else -1
        if begin is None or end < 0:
            raise InputError("P0094", f"{path} has no porter section", None, str(path))
        rest = text[:begin.start() + len(begin["pad"]) - int(begin["n"])] + text[end + len(END):]
        created = _names(begin["created"])
        if rest or "AGENTS.md" not in created:
            write_text_atomic(path, rest)
        else:
            path.unlink()
    else:
        owned = OWNED.search(text)
        if owned is None:
            raise InputError("P0094", f"{path} was not written by porter; left as it is", None, str(path))
        created = _names(owned["created"])
        path.unlink()
    for folder in sorted((f for f in created if f != "AGENTS.md"), key=len, reverse=True):
        try:
            (root / folder).rmdir()  # only when empty: what the user added there stays
        except OSError:
            pass
    return path


def _install_section(root: Path, path: Path, body: str, created: list[str]) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else None
    if text is None:
        created = [*created, "AGENTS.md"]
        text = ""
    begin = BEGIN.search(text)
    if begin is not None:  # update in place, keeping what the first install recorded
        end = text.find(END, begin.end())
        if end < 0:
            raise InputError("P0094", f"{path} has porter's BEGIN marker but no END marker",
                             "remove the broken section by hand", str(path))
        marker = begin.group(0)[len(begin["pad"]):]
        write_text_atomic(path, text[:begin.end() - len(marker)] + marker + body + END + text[end + len(END):])
        return
    pad = 0 if not text else (1 if text.endswith("\n") else 2)
    marker = f"<!-- BEGIN porter (porter skill install; pad={pad} created={','.join(created)}) -->\n"
    write_text_atomic(path, text + "\n" * pad + marker + body + END)


def _owned_marker(created: list[str]) -> str:
    return f"\n<!-- porter skill: installed by `porter skill install`; created={','.join(created)} -->\n"


def _missing_folders(root: Path, folder: Path) -> list[str]:
    """The folders between ``root`` and ``folder`` that do not exist yet (relative, "/"-separated)."""
    missing = []
    while folder != root and not folder.exists():
        missing.append(folder.relative_to(root).as_posix())
        folder = folder.parent
    return missing


def _names(text: str) -> list[str]:
    return [name for name in text.split(",") if name]
