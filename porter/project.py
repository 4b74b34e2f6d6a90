"""How a project compiles its files: include folders, macro definitions, language standard.

A :class:`ProjectContext` is what ``-I``, ``-D``, ``-U``, ``-std`` and ``--cuda-path`` say on a
compiler's command line, or what a clang JSON compilation database (``compile_commands.json``)
says for one file. It is immutable and hashable: caches of parsed headers key on it. Both IR
frontends read it from :attr:`porter.source.SourceFile.project`.

``cuda_path`` is recorded and passed to libclang, but porter still parses with its own CUDA prelude
rather than the toolkit's headers; a quoted include found under ``CUDA_PATH/include`` counts as a
toolkit header (not a missing project header).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from porter.source import InputError

#: the keyword arguments of ``porter.translate`` (and ``port_tree``) that make a ProjectContext
PROJECT_OPTIONS = ("project", "include_dirs", "defines", "undefines", "std", "cuda_path", "compile_commands")
_NAME = re.compile(r"^[A-Za-z_]\w*$")
#: compiler flags that take the next word as their value and mean nothing to porter
_SKIP_WITH_VALUE = frozenset({"-o", "-x", "-MF", "-MT", "-MQ", "--output-file", "-ccbin", "--compiler-bindir",
                              "-arch", "--gpu-architecture", "-gencode", "--generate-code", "-Xcompiler",
                              "--compiler-options", "-Xptxas", "-Xlinker", "-maxrregcount", "-code"})


@dataclass(frozen=True)
class ProjectContext:
    """The compile context of a file: include folders (absolute, in search order), ``defines``
    as ``(name, value)`` pairs in command-line order (value ``"1"`` for ``-D NAME``), ``undefines``
    (``-U``, applied after every define, as compilers do), the C++ standard and the CUDA path."""

    include_dirs: tuple[str, ...] = ()
    defines: tuple[tuple[str, str], ...] = ()
    undefines: tuple[str, ...] = ()
    std: str | None = None
    cuda_path: str | None = None

    @classmethod
    def from_options(cls, include_dirs: Iterable[str | os.PathLike] = (), defines: Iterable[str] | Mapping = (),
                     undefines: Iterable[str] = (), std: str | None = None,
                     cuda_path: str | os.PathLike | None = None,
                     base: str | os.PathLike | None = None) -> ProjectContext:
        """A context from option values; relative folders are taken from ``base`` (default: the
        current folder). ``defines`` are ``"NAME"``/``"NAME=VALUE"`` strings or a mapping."""
        folder = Path(base) if base is not None else Path.cwd()
        if isinstance(include_dirs, (str, os.PathLike)):
            include_dirs = (include_dirs,)
        if isinstance(undefines, str):
            undefines = (undefines,)
        dirs = tuple(dict.fromkeys(_absolute(folder, d) for d in include_dirs))
        pairs = tuple(parse_define(d) for d in _define_items(defines))
        for name in undefines:
            _check_name(name, "-U")
        std = _normalise_std(std) if std else None
        cuda = _absolute(folder, cuda_path) if cuda_path else None
        return cls(dirs, pairs, tuple(undefines), std, cuda)

    @classmethod
    def from_compile_commands(cls, database: str | os.PathLike, file: str | os.PathLike) -> ProjectContext:
        """The context of ``file`` in a clang JSON compilation database (InputError P0053 when the
        database cannot be read or has no entry for the file)."""
        entries = _read_database(Path(database))
        wanted = Path(file).resolve()
        for entry in entries:
            directory = Path(entry.get("directory") or Path(database).resolve().parent)
            name = entry.get("file")
            if not isinstance(name, str) or (directory / name).resolve() != wanted:
                continue
            if isinstance(entry.get("arguments"), list):
                words = [str(w) for w in entry["arguments"]]
            elif isinstance(entry.get("command"), str):
                try:
                    words = shlex.split(entry["command"])
                except ValueError as error:
                    raise InputError("P0053", f"{database}: the command for {name} does not split into "
                                     f"words ({error})", None, str(database)) from None
            else:
                continue
            return cls.from_arguments(words[1:], directory)
        raise InputError("P0053", f"{database} has no entry for {file}",
                         "regenerate the database (e.g. bear -- make, or cmake -DCMAKE_EXPORT_COMPILE_COMMANDS=ON), "
                         "or pass -I/-D for this file", str(database))

    @classmethod
    def from_arguments(cls, words: Iterable[str], directory: str | os.PathLike) -> ProjectContext:
        """A context from compiler arguments (nvcc's or clang's): ``-I``, ``-isystem``,
        ``-iquote``, ``-D``, ``-U``, ``-std``, ``--cuda-path``/``--cuda-path=``; others ignored."""
        includes: list[str] = []
        defines: list[str] = []
        undefines: list[str] = []
        std = cuda = None
        items = list(words)
        index = 0
        while index < len(items):
            word = items[index]
            after = items[index + 1] if index + 1 < len(items) else None
            taken = 1
            for flag, into in (("-I", includes), ("-isystem", includes), ("-iquote", includes),
                               ("--include-path", includes), ("-D", defines), ("--define-macro", defines),
                               ("-U", undefines), ("--undefine-macro", undefines)):
                if word == flag and after is not None:
                    into.append(after)
                    taken = 2
                    break
                if word.startswith(flag + "=") and flag.startswith("--"):
                    into.append(word[len(flag) + 1:])
                    break
                if word.startswith(flag) and len(word) > len(flag) and not flag.startswith("--") \
                        and flag in ("-I", "-D", "-U"):
                    into.append(word[len(flag):])
                    break
            else:
                if word.startswith(("-std=", "--std=")):
                    std = word.split("=", 1)[1]
                elif word in ("-std", "--std") and after is not None:
                    std, taken = after, 2
                elif word.startswith("--cuda-path="):
                    cuda = word.split("=", 1)[1]
                elif word == "--cuda-path" and after is not None:
                    cuda, taken = after, 2
                elif word in _SKIP_WITH_VALUE:
                    taken = 2
            index += taken
        return cls.from_options(includes, defines, undefines, std, cuda, base=directory)

    # ------------------------------------------------------------------ combining

    def then(self, other: ProjectContext | None) -> ProjectContext:
        """This context with ``other``'s settings after it (its folders searched after these, its
        defines later on the command line, its std and cuda path winning where given)."""
        if other is None:
            return self
        return ProjectContext(tuple(dict.fromkeys(self.include_dirs + other.include_dirs)),
                              self.defines + other.defines, tuple(dict.fromkeys(self.undefines + other.undefines)),
                              other.std or self.std, other.cuda_path or self.cuda_path)

    def with_include_dirs(self, folders: Iterable[str | os.PathLike]) -> ProjectContext:
        """This context with ``folders`` searched after its own."""
        extra = tuple(str(Path(f).resolve()) for f in folders)
        return replace(self, include_dirs=tuple(dict.fromkeys(self.include_dirs + extra)))

    # ------------------------------------------------------------------ reading it

    @property
    def empty(self) -> bool:
        return self == ProjectContext()

    def macros(self) -> dict[str, str]:
        """The object-like macros the command line defines (defines in order, then undefines)."""
        values = dict(self.defines)
        for name in self.undefines:
            values.pop(name, None)
        return values

    def clang_args(self) -> list[str]:
        """libclang arguments: the include folders first (before porter's own), then -D and -U."""
        args: list[str] = []
        for folder in self.include_dirs:
            args += ["-I", folder]
        for name, value in self.defines:
            args.append(f"-D{name}={value}")
        for name in self.undefines:
            args.append(f"-U{name}")
        if self.cuda_path:
            args.append(f"--cuda-path={self.cuda_path}")
        return args

    def to_json(self) -> dict[str, Any]:
        return {"include_dirs": list(self.include_dirs), "defines": [f"{n}={v}" for n, v in self.defines],
                "undefines": list(self.undefines), "std": self.std, "cuda_path": self.cuda_path}

    def key(self) -> str:
        """A short stable digest (cache keys, the port manifest)."""
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()[:16]


# ---------------------------------------------------------------------- from keyword options


def split_options(options: dict[str, Any], *, source_path: str | os.PathLike | None = None,
                  base: str | os.PathLike | None = None) -> tuple[ProjectContext | None, dict[str, Any]]:
    """(the project context the keyword ``options`` name, the other options). ``project=`` is a
    ProjectContext; ``compile_commands=`` a database to read ``source_path``'s entry from (the
    other keywords add to it); ``include_dirs``, ``defines``, ``undefines``, ``std``, ``cuda_path``
    as for :meth:`ProjectContext.from_options`. None when no keyword names a context."""
    chosen = {k: options[k] for k in PROJECT_OPTIONS if options.get(k) not in (None, (), [], "")}
    rest = {k: v for k, v in options.items() if k not in PROJECT_OPTIONS}
    if not chosen:
        return None, rest
    context = chosen.pop("project", None)
    if context is not None and not isinstance(context, ProjectContext):
        raise TypeError(f"project= takes a porter.ProjectContext, not {type(context).__name__}")
    database = chosen.pop("compile_commands", None)
    if database is not None:
        if source_path is None:
            raise ValueError("compile_commands= needs the source as a path (its entry is looked up by file)")
        context = (context or ProjectContext()).then(ProjectContext.from_compile_commands(database, source_path))
    if chosen:
        context = (context or ProjectContext()).then(ProjectContext.from_options(base=base, **chosen))
    return context, rest


def parse_define(text: str) -> tuple[str, str]:
    """``"NAME"`` -> ``("NAME", "1")``; ``"NAME=VALUE"`` -> ``("NAME", "VALUE")`` (as ``-D`` reads them)."""
    name, has_value, value = str(text).partition("=")
    name = name.strip()
    _check_name(name, "-D")
    return name, value if has_value else "1"


def _define_items(defines: Iterable[str] | Mapping) -> list[str]:
    if isinstance(defines, Mapping):
        return [f"{k}={v}" if v is not None else str(k) for k, v in defines.items()]
    if isinstance(defines, str):
        return [defines]
    return [str(d) for d in defines]


def _check_name(name: str, flag: str) -> None:
    if not _NAME.match(name):
        raise ValueError(f"{flag} {name!r}: not a macro name (expected NAME or NAME=VALUE)")


def _normalise_std(std: str) -> str:
    std = std.strip()
    if not re.fullmatch(r"(?:c|gnu)\+\+\w+", std):
        raise ValueError(f"-std={std}: porter takes a C++ standard such as c++17 or c++20")
    return std


def _absolute(folder: Path, path: str | os.PathLike) -> str:
    candidate = Path(os.path.expanduser(os.fspath(path)))
    return os.path.normpath(str(candidate if candidate.is_absolute() else folder / candidate))


def _read_database(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError("P0053", f"cannot read the compilation database {path}: {error.strerror or error}",
                         None, str(path)) from None
    except ValueError as error:
        raise InputError("P0053", f"{path} is not a JSON compilation database ({error})", None, str(path)) from None
    if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
        raise InputError("P0053", f"{path} is not a JSON compilation database (a list of entries)", None, str(path))
    return data


__all__ = ["PROJECT_OPTIONS", "ProjectContext", "parse_define", "split_options"]
