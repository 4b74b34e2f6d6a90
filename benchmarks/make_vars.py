"""A small reader of make variables: enough of GNU make to find a HeCBench program's sources and flags.

    reader = MakeReader.from_file(Path("src/adam-cuda/Makefile"))
    reader.expand("$(source)")          # 'main.cu'
    reader.recipes()                     # expanded recipe lines of every rule but clean/run

What it reads: variable assignments (=, :=, ::=, ?=, +=, with backslash continuations and
`override`/`export` in front), conditionals (ifeq/ifneq/ifdef/ifndef, else, endif; nested),
references $(V) ${V} $V, substitution references $(V:.cu=.o), and the functions wildcard,
patsubst, subst, addprefix, addsuffix, notdir, dir, basename, filter, filter-out, sort, strip,
firstword. Limits (what it does not do, said here so that results can be judged): `include` of
other makefiles, define/endef blocks, $(shell ...) and $(foreach ...) and other functions expand
to nothing (and are listed in ``unsupported``); target-specific variables are ignored; recursive
(=) and simple (:=) variables are both expanded at use, which differs from make only when a
variable is reassigned after a := that reads it. Automatic variables ($@ $< $^ ...) expand to
nothing. Environment variables are not read (EXTRA_CFLAGS and the like stay empty).
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

_ASSIGN = re.compile(r"^(?:(?:override|export)\s+)*([A-Za-z_][A-Za-z0-9_.+-]*)\s*(::=|:=|\?=|\+=|!=|=)\s*(.*)$")
_RULE = re.compile(r"^([^=\t#][^=]*?)\s*::?\s*(?!=)(.*)$")
_CONDITIONAL = re.compile(r"^(ifeq|ifneq|ifdef|ifndef)\b\s*(.*)$")
_SKIPPED_RULES = {"clean", "run", ".PHONY", "distclean", "test", "install"}
_MAX_DEPTH = 30


@dataclass
class MakeReader:
    folder: Path
    variables: dict[str, str] = field(default_factory=dict)
    rules: list[tuple[str, list[str]]] = field(default_factory=list)  # (targets, raw recipe lines)
    unsupported: set[str] = field(default_factory=set)

    @classmethod
    def from_file(cls, path: Path) -> MakeReader:
        reader = cls(path.parent)
        reader._read(path.read_text(encoding="utf-8", errors="replace"))
        return reader

    # --- reading -------------------------------------------------------------------------------
    def _read(self, text: str) -> None:
        text = text.replace("\\\r\n", " ").replace("\\\n", " ")
        active: list[bool] = []  # one entry per open conditional: is its current branch taken?
        taken: list[bool] = []   # was some branch of it taken already (for else)
        current_rule: list[str] | None = None
        for raw in text.splitlines():
            if raw.startswith("\t"):
                if current_rule is not None and all(active):
                    current_rule.append(raw[1:])
                continue
            line = _strip_comment(raw).strip()
            if not line:
                continue
            conditional = _CONDITIONAL.match(line)
            if conditional:
                result = self._condition(conditional.group(1), conditional.group(2)) if all(active) else False
                active.append(result)
                taken.append(result)
                continue
            if line.startswith("else"):
                if active:
                    rest = line[4:].strip()
                    nested = _CONDITIONAL.match(rest)
                    if taken[-1]:
                        active[-1] = False
                    elif nested:
                        outer = all(active[:-1])
                        active[-1] = outer and self._condition(nested.group(1), nested.group(2))
                        taken[-1] = active[-1]
                    else:
                        active[-1] = True
                        taken[-1] = True
                continue
            if line.startswith("endif"):
                if active:
                    active.pop()
                    taken.pop()
                continue
            if not all(active):
                continue
            assignment = _ASSIGN.match(line)
            if assignment:
                current_rule = None
                self._assign(*assignment.groups())
                continue
            rule = _RULE.match(line)
            if rule:
                recipe: list[str] = []
                prerequisites = rule.group(2)
                if ";" in prerequisites:
                    recipe.append(prerequisites.split(";", 1)[1])
                self.rules.append((self.expand(rule.group(1)), recipe))
                current_rule = recipe
                continue
            words = line.split()
            if words[0] in ("include", "-include", "sinclude", "define", "endef", "vpath"):
                self.unsupported.add(words[0])

    def _assign(self, name: str, operator: str, value: str) -> None:
        if operator == "+=":
            previous = self.variables.get(name, "")
            self.variables[name] = f"{previous} {value}".strip()
        elif operator == "?=":
            self.variables.setdefault(name, value)
        elif operator == "!=":
            self.unsupported.add("!=")
            self.variables[name] = ""
        elif operator in (":=", "::="):
            self.variables[name] = self.expand(value)
        else:
            self.variables[name] = value

    def _condition(self, kind: str, argument: str) -> bool:
        if kind in ("ifdef", "ifndef"):
            defined = bool(self.expand(f"$({argument.strip()})").strip())
            return defined if kind == "ifdef" else not defined
        left, right = _condition_operands(argument)
        equal = self.expand(left).strip() == self.expand(right).strip()
        return equal if kind == "ifeq" else not equal

    # --- expanding ------------------------------------------------------------------------------
    def expand(self, text: str, depth: int = 0) -> str:
        if depth > _MAX_DEPTH:
            self.unsupported.add("deep recursion")
            return ""
        out: list[str] = []
        i = 0
        while i < len(text):
            char = text[i]
            if char != "$" or i + 1 >= len(text):
                out.append(char)
                i += 1
                continue
            opener = text[i + 1]
            if opener == "$":
                out.append("$")
                i += 2
            elif opener in "({":
                closer = ")" if opener == "(" else "}"
                end = _matching(text, i + 1, opener, closer)
                out.append(self._reference(text[i + 2:end], depth))
                i = end + 1
            else:
                out.append(self._reference(opener, depth))
                i += 2
        return "".join(out)

    def _reference(self, body: str, depth: int) -> str:
        head, _, rest = body.partition(" ")
        if rest and head in _FUNCTIONS:
            arguments = _split_arguments(rest)
            return _FUNCTIONS[head](self, [self.expand(a, depth + 1) for a in arguments])
        if rest and head:
            self.unsupported.add(head)
            return ""
        name = self.expand(body, depth + 1)
        substitution = re.fullmatch(r"([^:]+):([^=]*)=(.*)", name)
        if substitution:
            value = self.expand(self.variables.get(substitution.group(1), ""), depth + 1)
            return " ".join(_patsubst(_as_pattern(substitution.group(2)), _as_pattern(substitution.group(3)), word)
                            for word in value.split())
        return self.expand(self.variables.get(name, ""), depth + 1)

    def value(self, name: str) -> str:
        return self.expand(f"$({name})")

    def recipes(self) -> list[str]:
        """The expanded recipe lines of every rule except clean, run and the like."""
        lines = []
        for targets, recipe in self.rules:
            if set(targets.split()) & _SKIPPED_RULES:
                continue
            lines.extend(self.expand(line) for line in recipe)
        return lines


def _strip_comment(line: str) -> str:
    index = line.find("#")
    while index > 0 and line[index - 1] == "\\":
        index = line.find("#", index + 1)
    return line if index < 0 else line[:index]


def _condition_operands(argument: str) -> tuple[str, str]:
    argument = argument.strip()
    if argument.startswith("("):
        inner = argument[1:_matching(argument, 0, "(", ")")]
        parts = _split_arguments(inner)
        return (parts + ["", ""])[0], (parts + ["", ""])[1]
    quoted = re.findall(r"\"([^\"]*)\"|'([^']*)'", argument)
    values = [a or b for a, b in quoted] + ["", ""]
    return values[0], values[1]


def _matching(text: str, start: int, opener: str, closer: str) -> int:
    depth = 0
    for index in range(start, len(text)):
        if text[index] == opener:
            depth += 1
        elif text[index] == closer:
            depth -= 1
            if depth == 0:
                return index
    return len(text)


def _split_arguments(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in text:
        if char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _as_pattern(text: str) -> str:
    return text if "%" in text else "%" + text


def _patsubst(pattern: str, replacement: str, word: str) -> str:
    prefix, _, suffix = pattern.partition("%")
    if word.startswith(prefix) and word.endswith(suffix) and len(word) >= len(prefix) + len(suffix):
        stem = word[len(prefix):len(word) - len(suffix)]
        return replacement.replace("%", stem, 1)
    return word


def _wildcard(reader: MakeReader, args: list[str]) -> str:
    found = []
    for pattern in " ".join(args).split():
        matches = sorted(glob.glob(os.path.join(reader.folder, pattern)))
        found.extend(os.path.relpath(m, reader.folder) for m in matches)
    return " ".join(found)


def _filter(keep: bool):
    def apply(reader: MakeReader, args: list[str]) -> str:
        patterns = args[0].split()
        words = args[1].split() if len(args) > 1 else []

        def hit(word: str) -> bool:
            return any(_patsubst(p, "\0", word) == "\0" if "%" in p else word == p for p in patterns)
        return " ".join(w for w in words if hit(w) == keep)
    return apply


_FUNCTIONS = {
    "wildcard": _wildcard,
    "patsubst": lambda r, a: " ".join(_patsubst(a[0].strip(), a[1].strip(), w) for w in a[2].split()) if len(a) > 2 else "",
    "subst": lambda r, a: a[2].replace(a[0], a[1]) if len(a) > 2 else "",
    "addprefix": lambda r, a: " ".join(a[0].strip() + w for w in a[1].split()) if len(a) > 1 else "",
    "addsuffix": lambda r, a: " ".join(w + a[0].strip() for w in a[1].split()) if len(a) > 1 else "",
    "notdir": lambda r, a: " ".join(os.path.basename(w) for w in a[0].split()),
    "dir": lambda r, a: " ".join(os.path.dirname(w) + "/" for w in a[0].split()),
    "basename": lambda r, a: " ".join(os.path.splitext(w)[0] for w in a[0].split()),
    "filter": _filter(True),
    "filter-out": _filter(False),
    "sort": lambda r, a: " ".join(sorted(set(a[0].split()))),
    "strip": lambda r, a: " ".join(a[0].split()),
    "firstword": lambda r, a: (a[0].split() or [""])[0],
}
