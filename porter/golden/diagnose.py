"""Every problem of a spec at once, as ``file:line:col: error[P01xx]: message`` diagnostics.

Loading a spec stops at its first problem; :func:`diagnose` parses each independent part (each
buffer, scalar, launch, step, case) and then checks each case and launch, collecting every
problem. tomllib gives no positions, so :func:`locate` finds the line of a problem's key by
scanning the TOML text (table headers, ``[[array]]`` ordinals, ``key =`` lines).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from porter.golden.errors import SpecError

#: Diagnostic ids of spec problems (porter/diagnostic_catalogue.toml).
TOML_SYNTAX, UNKNOWN_KEY, BAD_VALUE, CASE_VALUE, KERNEL_MISMATCH, UNUSED, PROGRAM, INPUT = (
    "P0110", "P0111", "P0112", "P0113", "P0114", "P0115", "P0116", "P0117")
ARRAYS = ("launch", "case", "step")
CASE_PREFIX = re.compile(r"case '(?P<name>[^']*)'(?::\s*)?")
SEGMENT = re.compile(r"(?P<name>[A-Za-z_][\w-]*)(?:\[(?P<index>\d+)\])?")


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    column: int
    id: str
    message: str
    hint: str | None = None

    def format(self) -> str:
        text = f"{self.path}:{self.line}:{self.column}: error[{self.id}]: {self.message}"
        return text + (f"\n  = hint: {self.hint}" if self.hint else "")


def diagnose(path: Path, *, check_source: bool = True) -> list[Problem]:
    from porter.golden.spec import parse_spec
    from porter.golden.validate import validate

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return [Problem(str(path), 1, 1, BAD_VALUE, f"cannot read the spec: {error.strerror}")]
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        where = re.search(r"at line (\d+), column (\d+)", str(error))
        line, column = (int(where[1]), int(where[2])) if where else (1, 1)
        return [Problem(str(path), line, column, TOML_SYNTAX, f"not valid TOML: {error}")]
    errors: list[SpecError] = []
    try:
        spec = parse_spec(path, errors)
        if spec is not None:
            validate(spec, check_source=check_source, problems=errors)
    except SpecError as error:  # a part that cannot be checked on its own
        errors.append(error)
    return list(dict.fromkeys(_problem(path, text, error) for error in errors))


def _problem(path: Path, text: str, error: SpecError) -> Problem:
    key = error.where.split(": ", 1)[1] if error.where.startswith(f"{path}: ") else error.where
    if key == str(path):
        key = ""
    line, column = locate(text, key)
    message = error.message.removeprefix(f"{error.where}: ")
    return Problem(str(path), line, column, _classify(key, message), f"{key}: {message}" if key else message,
                   error.hint)


def _classify(key: str, message: str) -> str:
    if message.startswith("unknown key"):
        return UNKNOWN_KEY
    if "not passed to any launch" in message or "takes it as a const pointer" in message:
        return UNUSED
    if key.startswith("step") or " step" in key or ": step" in key or "swap" in message or "__constant__" in message:
        return PROGRAM
    if ".args" in key or key.endswith(".kernel") or key == "source" or "parameter" in message:
        return KERNEL_MISMATCH
    if re.search(r"\.(init|part|expr|seed|density|low|high|std)\b", key) or "init =" in message or "csr" in message:
        return INPUT
    if key.startswith("case '"):
        return CASE_VALUE
    return BAD_VALUE


def locate(text: str, key: str) -> tuple[int, int]:
    """(line, column), 1-based, of ``key`` (``buffers.x.dtype``, ``launch[1].grid``,
    ``case 'n1000': scalars.n``) in the TOML ``text``; the closest enclosing line found."""
    lines = text.splitlines()
    case = CASE_PREFIX.match(key)
    if case:
        rest = key[case.end():]
        if rest:
            return locate(text, rest)
        return _find(lines, re.compile(rf'^\s*name\s*=\s*"{re.escape(case["name"])}"'), 0, len(lines)) or (1, 1)
    segments = [m.groupdict() for m in SEGMENT.finditer(key.split(" (")[0])]
    if not segments:
        return 1, 1
    first = segments[0]
    if first["name"] in ARRAYS:
        start, stop = _array_table(lines, first["name"], int(first["index"] or 0))
        if start is None:
            return 1, 1
        found = (start + 1, _indent(lines[start]))
        for segment in segments[1:2]:
            found = _find(lines, _key_line(segment["name"]), start + 1, stop) or found
        return found
    start, stop = _table(lines, first["name"])
    if start is not None and len(segments) > 1:
        sub = segments[1]["name"]
        if first["name"] == "tolerance":
            table = _table(lines, f"tolerance.{sub}")
            if table[0] is not None:
                at = _find(lines, _key_line(segments[2]["name"]), table[0] + 1, table[1]) if len(segments) > 2 else None
                return at or (table[0] + 1, 1)
        at = _find(lines, _key_line(sub), start + 1, stop)
        if at and len(segments) > 2:  # an inline table's key on the same line
            column = re.search(rf"\b{re.escape(segments[2]['name'])}\s*=", lines[at[0] - 1])
            return (at[0], column.start() + 1) if column else at
        return at or (start + 1, 1)
    if start is not None:
        return start + 1, 1
    return _find(lines, _key_line(first["name"]), 0, _first_header(lines)) or (1, 1)


def _key_line(name: str) -> re.Pattern:
    return re.compile(rf'^\s*"?{re.escape(name)}"?\s*=')


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip()) + 1


def _find(lines: list[str], pattern: re.Pattern, start: int, stop: int) -> tuple[int, int] | None:
    for number in range(start, stop):
        if pattern.search(lines[number]):
            return number + 1, _indent(lines[number])
    return None


def _is_header(line: str) -> bool:
    return bool(re.match(r"^\s*\[", line))


def _first_header(lines: list[str]) -> int:
    return next((i for i, line in enumerate(lines) if _is_header(line)), len(lines))


def _end(lines: list[str], start: int) -> int:
    return next((i for i in range(start + 1, len(lines)) if _is_header(lines[i])), len(lines))


def _array_table(lines: list[str], name: str, index: int) -> tuple[int | None, int]:
    header = re.compile(rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]")
    seen = -1
    for number, line in enumerate(lines):
        if header.match(line):
            seen += 1
            if seen == index:
                return number, _end(lines, number)
    return None, 0


def _table(lines: list[str], name: str) -> tuple[int | None, int]:
    header = re.compile(rf"^\s*\[\s*{re.escape(name)}\s*\]")
    for number, line in enumerate(lines):
        if header.match(line):
            return number, _end(lines, number)
    return None, 0
