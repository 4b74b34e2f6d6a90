"""Porting a whole tree: ``port_tree(src, out, target, **options)`` mirrors SRC into OUT.

The main process plans (checks the paths, walks the tree, reads the manifest), worker processes
port the files and hand back :class:`FileRecord`s (plain, picklable data; a worker never raises),
and the main process writes the manifest and the reports. CUDA/C++ sources are translated, every
other regular file is copied byte for byte; each output is written atomically (see
:mod:`porter.atomic`), so an interrupted or failed run never leaves a half-written file.

A manifest (``OUT/.porter-manifest.json``) remembers, per file, the source's sha256, the sha256
of every file of the tree it includes (``#include "..."``, transitively: see
:mod:`porter.dependencies`), a key for the options and porter's code, and the output's size and
mtime; a later run skips a file whose four still match ("up-to-date"), unless ``force`` is set.
So editing a header re-ports exactly the files that include it, and so does a header that is
deleted, or that appears where an include looks first. The includes are found and hashed while
planning, before any file is ported (each header once per run): a header edited during the run
is recorded with its old hash, so the next run ports its includers again.

Never losing work:

* The manifest is journaled: as each file finishes, the main process appends its manifest entry
  to ``OUT/.porter-journal.jsonl`` (:mod:`porter.journal`: one write per line, fsync'd in groups).
  A run killed at any point (SIGKILL, OOM, power loss) leaves the journal; the next run reads the
  manifest and then the journal, so it re-ports only the files not journaled (or whose output no
  longer matches), and first removes the temporary files the killed run left. A run that ends
  (normally, by Ctrl-C or stopped) folds the journal into the manifest atomically and removes it.
* Workers die with their parent: on Linux each pool worker asks the kernel for SIGKILL when its
  parent dies (``prctl(PR_SET_PDEATHSIG)``; the workers are forked by the main thread, which lives
  as long as the port), then checks that its parent is still the process that forked it (the
  parent may have died before the request). On every platform a worker also checks its parent
  before each file and exits if it has changed.
* A crashed worker costs only its file: when a worker dies (a segfault in a native library, the
  OOM killer), the pool is replaced, and the files of the batches that were in flight are ported
  again, each in a process of its own; a file that kills that process too is FAILED with P0014
  (naming the signal), the others are ported as usual. Batches that finished are not redone.
* A full disk stops the run: the file being written fails with P0042, no further file is started,
  the files written so far stay in the manifest, and :attr:`PortRun.stopped` says why.
* Output collisions are resolved while planning, before any work: a backend that writes ``.py``
  (Triton, Pallas, NKI) would write ``k.cu``, ``k.cuh`` and ``k.py`` (copied) all to ``k.py``.
  Then a file that is not a source keeps its name, and each colliding source keeps its suffix
  in its output name as an importable module name: ``k.cu`` -> ``k_cu.py``, ``k.cuh`` ->
  ``k_cuh.py`` (note P0044 in its record). Files without a collision keep the plain ``k.py``, so
  the names users import do not change. A source whose kept-suffix name is taken too fails with
  P0043 before any work; no translation is ever written over another.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import os
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from porter.atomic import DiskFullError, copy_atomic, remove_temporaries, write_bytes_atomic, write_text_atomic
from porter.backends.base import get_backend, make_options
from porter.dependencies import IncludeScanner
from porter.diagnostics import Diagnostic
from porter.journal import Journal, read_journal
from porter.project import PROJECT_OPTIONS, ProjectContext, split_options
from porter.source import InputError, SourceFile, read_source_bytes, source_from_bytes

#: Suffixes of the files that are translated; every other file is copied unchanged.
SOURCE_SUFFIXES = frozenset({".cu", ".cuh", ".h", ".hpp", ".cpp", ".cc", ".cxx", ".c", ".inl"})
MANIFEST_NAME = ".porter-manifest.json"
JOURNAL_NAME = ".porter-journal.jsonl"
REPORT_JSON = "report.json"
REPORT_MD = "report.md"
#: Names porter writes at the top of OUT; a source file with one of them there cannot be mirrored.
RESERVED_NAMES = frozenset({MANIFEST_NAME, JOURNAL_NAME, REPORT_JSON, REPORT_MD})
#: Notes added while planning (not by the translation): kept out of the manifest, added each run.
_PLAN_NOTES = frozenset({"P0044"})
#: Version-control folders are not part of the code being ported.
VCS_FOLDERS = frozenset({".git", ".hg", ".svn"})
#: An entry written before includes were recorded has no ``includes``: it reads as "includes
#: nothing", so a file that does include a header is ported once more, then recorded in full.
_MANIFEST_FORMAT = 1

# Per-file statuses, in the order reports list them.
TRANSLATED = "translated"   # a source with edits, written
UNCHANGED = "unchanged"     # a source that needed no edit, written byte-identical
COPIED = "copied"           # not a source, copied byte-identical
UP_TO_DATE = "up-to-date"   # the manifest shows the output is current; nothing done
SKIPPED = "skipped"         # a link or special file porter does not follow or copy
FAILED = "failed"           # could not be ported; the reason says why
FILLED = "filled"           # refused kernels written by a model, kept after every check (see fill_refused)
STATUSES = (TRANSLATED, FILLED, UNCHANGED, COPIED, UP_TO_DATE, SKIPPED, FAILED)
_WRITTEN = frozenset({TRANSLATED, UNCHANGED, COPIED})


@dataclass(frozen=True)
class FileRecord:
    """What happened to one file: plain data, so that worker processes can return it."""

    path: str                        # relative to SRC, with "/" separators
    kind: str                        # "source", "other" or "link"/"special"/"folder" for skips
    status: str
    edits: int = 0
    edits_by_rule: dict[str, int] = field(default_factory=dict)
    lines: int = 0
    diagnostics: tuple[dict[str, Any], ...] = ()
    reason: str | None = None        # why it failed or was skipped
    was: str | None = None           # for up-to-date files: the status they were ported with
    seconds: float = 0.0
    sha256: str | None = None        # of the source, for the manifest
    output_stat: tuple[int, int] | None = None  # (size, mtime_ns) of the output written
    output: str | None = None        # the output's path relative to OUT, where it is not ``path``
    fill: dict[str, Any] | None = None  # what a model's fill of refused kernels came to (fill_refused)
    includes: dict[str, str | None] | None = None  # for the manifest: what the source includes (FileTask.includes)
    kernels: tuple[dict[str, Any], ...] = ()  # a source's kernels with their verdicts (KernelVerdict.to_json)

    def to_json(self) -> dict[str, Any]:
        data = {"path": self.path, "kind": self.kind, "status": self.status, "was": self.was,
                "output": self.output, "edits": self.edits, "edits_by_rule": dict(self.edits_by_rule),
                "lines": self.lines, "reason": self.reason, "diagnostics": list(self.diagnostics),
                "kernels": list(self.kernels)}
        if self.fill is not None:
            data["fill"] = self.fill
        return data


@dataclass(frozen=True)
class FileTask:
    path: str
    kind: str                        # "source" or "other"
    size: int
    previous: dict[str, Any] | None  # this file's manifest entry from the last run
    output: str | None = None        # relative to OUT, decided while planning (see assign_outputs)
    notes: tuple[dict[str, Any], ...] = ()  # planning notes (P0044), added to the file's record
    includes: dict[str, str | None] | None = None  # a source's includes: path -> sha256 (None: no file)


@dataclass(frozen=True)
class PortSettings:
    """What every worker needs to port a file; sent with each batch of tasks."""

    source: Path
    output: Path
    target: str
    options: tuple[tuple[str, Any], ...]
    source_key: str                  # manifest key for translated files
    copy_key: str                    # manifest key for copied files
    force: bool = False
    project: ProjectContext | None = None   # -I/-D/-U/-std/--cuda-path of the command line
    compile_commands: str | None = None     # a compilation database: each file's entry adds to ``project``


@dataclass
class PortPlan:
    settings: PortSettings
    tasks: list[FileTask]
    skipped: list[FileRecord]        # decided while walking: links, special files, reserved names
    manifest: dict[str, dict[str, Any]]
    resumed: bool = False            # the last run did not finish (its journal was found)


@dataclass
class PortRun:
    """The outcome of porting a tree; :mod:`porter.report` renders it."""

    source: Path
    output: Path
    target: str
    options: dict[str, Any]
    jobs: int
    force: bool
    records: list[FileRecord]
    seconds: float
    started: str
    interrupted: bool = False
    stopped: dict[str, Any] | None = None  # why the run stopped early (a P0042 diagnostic), if it did
    not_started: int = 0             # files left undone because the run stopped or was interrupted

    def count(self, status: str) -> int:
        return sum(1 for r in self.records if r.status == status)

    @property
    def ok(self) -> bool:
        """True when every file was ported (error diagnostics in the code do not count)."""
        return not self.interrupted and self.stopped is None and self.count(FAILED) == 0

    @property
    def edits(self) -> int:
        return sum(r.edits for r in self.records)

    @property
    def severities(self) -> dict[str, int]:
        counts = Counter(d["severity"] for r in self.records for d in r.diagnostics)
        return {name: counts.get(name, 0) for name in ("error", "warning", "note")}

    @property
    def lines(self) -> int:
        """Lines of the sources translated in this run (up-to-date files are not read)."""
        return sum(r.lines for r in self.records if r.status in (TRANSLATED, UNCHANGED))

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds > 0 else 0.0


class Progress(Protocol):
    def start(self, total: int) -> None: ...

    def advance(self, records: list[FileRecord]) -> None: ...


# --- planning (main process) -------------------------------------------------------------------


def check_paths(source: Path, output: Path) -> tuple[Path, Path]:
    """Resolved (source, output) after checking them, or :class:`InputError` (bad usage)."""
    if not source.exists():
        raise InputError("P0001", f"no such folder: {source}", "check the path", str(source))
    if not source.is_dir():
        raise InputError("P0012", f"{source} is a file, not a folder",
                         "`porter port` takes a folder; use `porter translate FILE` for one file", str(source))
    source_real, output_real = source.resolve(), output.resolve()
    if output_real == source_real or output_real.is_relative_to(source_real):
        raise InputError("P0011", f"the output folder {output} is inside the source tree {source}",
                         "porter never writes into the tree it ports: choose an --out folder outside it",
                         str(output))
    if source_real.is_relative_to(output_real):
        raise InputError("P0009", f"the source tree {source} is inside the output folder {output}, "
                         "so porting could overwrite it", "choose an --out folder outside the source tree",
                         str(output))
    _check_writable(output)
    return source_real, output_real


def _check_writable(output: Path) -> None:
    try:
        output.mkdir(parents=True, exist_ok=True)
        handle, probe = tempfile.mkstemp(prefix=".porter-probe.", dir=output)
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise InputError("P0008", f"cannot write to the output folder {output}: {error.strerror or error}",
                         "check that --out names a folder you can write", str(output)) from None


def plan_port(source: Path, output: Path, target: str = "hip", *, force: bool = False,
              **options: Any) -> PortPlan:
    """Check the paths and options, walk SRC and read OUT's manifest. Raises for bad usage."""
    backend = get_backend(target)
    project_options = {key: options.pop(key) for key in PROJECT_OPTIONS if key in options}
    database = project_options.pop("compile_commands", None)
    project, _ = split_options(project_options)  # relative folders: from the current folder
    make_options(backend, options)  # a bad option fails here, once, not in every worker
    source_real, output_real = check_paths(Path(source), Path(output))
    options_items = tuple(sorted(options.items()))
    fingerprint = code_fingerprint(target)
    context_key = {"project": project.to_json() if project is not None else None,
                   "compile_commands": _database_digest(database) if database is not None else None}
    settings = PortSettings(source_real, output_real, target, options_items,
                            _key({"code": fingerprint, "target": target, "options": dict(options_items),
                                  **({"context": context_key} if project is not None or database else {})}),
                            _key({"code": fingerprint, "copy": True}), force, project,
                            str(Path(database).resolve()) if database is not None else None)
    resumed = (output_real / JOURNAL_NAME).exists()
    manifest = load_manifest(output_real)
    tasks, skipped = walk_tree(source_real, manifest)
    tasks, collisions = assign_outputs(tasks, getattr(backend, "suffix", None))
    tasks = with_includes(source_real, tasks, _tree_folders(source_real, project))
    return PortPlan(settings, tasks, sorted(skipped + collisions, key=lambda r: r.path), manifest, resumed)


def assign_outputs(tasks: list[FileTask], suffix: str | None) -> tuple[list[FileTask], list[FileRecord]]:
    """Give every task its output path; a source whose output would collide keeps its suffix in
    the name (``k.cu`` -> ``k_cu.py``, note P0044); one that still collides fails (P0043).

    Only a backend that changes the suffix (``suffix``, e.g. ``.py``) can make outputs collide.
    Deterministic: it depends on the set of paths alone, not on their order.
    """
    natural = {t.path: _with_suffix(t.path, suffix) if suffix and t.kind == "source" else t.path for t in tasks}
    groups: dict[str, list[FileTask]] = defaultdict(list)
    for task in tasks:
        groups[natural[task.path]].append(task)
    outputs = dict(natural)
    notes: dict[str, dict[str, Any]] = {}
    for name, members in groups.items():
        if len(members) < 2:
            continue
        names = _name_list(sorted(m.path for m in members))
        for member in members:
            if member.kind == "source":
                outputs[member.path] = _keep_suffix(member.path, suffix or "")
                notes[member.path] = _diagnostic(
                    member.path, "P0044", "note", f"{member.path} is written to {outputs[member.path]}, not "
                    f"{name}: {names} would all be written to {name}")
    writers: dict[str, list[str]] = defaultdict(list)
    for task in tasks:
        writers[outputs[task.path]].append(task.path)
    kept: list[FileTask] = []
    failed: list[FileRecord] = []
    for task in tasks:
        others = [p for p in writers[outputs[task.path]] if p != task.path]
        if others and task.path in notes:
            failed.append(_failed(task.path, task.kind, "P0043",
                                  f"{task.path}: not ported: its output {outputs[task.path]} (renamed from "
                                  f"{natural[task.path]} to avoid a collision) would also be written by "
                                  f"{_name_list(others)}; rename one of them"))
            continue
        note = notes.get(task.path)
        kept.append(replace(task, output=outputs[task.path], notes=(note,) if note else ()))
    return kept, failed


def _database_digest(database: str | os.PathLike) -> str:
    """The sha256 of a compilation database (its entries decide every file's context)."""
    try:
        return hashlib.sha256(Path(database).read_bytes()).hexdigest()
    except OSError as error:
        raise InputError("P0053", f"cannot read the compilation database {database}: {error.strerror or error}",
                         None, str(database)) from None


def _tree_folders(root: Path, project: ProjectContext | None) -> tuple[str, ...]:
    """The include folders of ``project`` that lie inside the tree, relative to its top ("" for it)."""
    found = []
    for folder in project.include_dirs if project is not None else ():
        path = Path(folder).resolve()
        if path.is_relative_to(root):
            found.append("" if path == root else path.relative_to(root).as_posix())
    return tuple(found)


def file_context(settings: PortSettings, path: str) -> tuple[ProjectContext, dict[str, Any] | None]:
    """The context ``path`` (relative to SRC) is ported with: its compilation-database entry (if
    any), then the command line's, then the top of the tree and the file's own folder as include
    folders; and a note (P0054) when the database has no entry for the file."""
    source = settings.source / path
    context = ProjectContext()
    note = None
    if settings.compile_commands is not None:
        try:
            context = ProjectContext.from_compile_commands(settings.compile_commands, source)
        except InputError as error:
            if "has no entry" not in error.message:
                raise
            note = _diagnostic(path, "P0054", "note", f"{Path(settings.compile_commands).name} has no entry for "
                               f"{path}: ported with the command line's -I/-D and the tree's folders")
    context = context.then(settings.project).with_include_dirs((settings.source, source.parent))
    return context, note


def with_includes(root: Path, tasks: list[FileTask], include_dirs: tuple[str, ...] = ()) -> list[FileTask]:
    """Each source task with the files it includes and their hashes (each file read once)."""
    scanner = IncludeScanner(root, include_dirs)
    return [replace(task, includes=scanner.dependencies(task.path)) if task.kind == "source" else task
            for task in tasks]


def _with_suffix(path: str, suffix: str) -> str:
    stem, _ = os.path.splitext(path)
    return stem + suffix


def _keep_suffix(path: str, suffix: str) -> str:
    """``dir/k.cu`` -> ``dir/k_cu.py``: an importable module name that keeps the source's suffix."""
    stem, extension = os.path.splitext(path)
    return f"{stem}_{extension.lstrip('.')}{suffix}"


def _name_list(paths: list[str]) -> str:
    return paths[0] if len(paths) == 1 else ", ".join(paths[:-1]) + f" and {paths[-1]}"


def walk_tree(root: Path, manifest: dict[str, dict] | None = None) -> tuple[list[FileTask], list[FileRecord]]:
    """The files to port under ``root`` and the entries skipped, without following folder links."""
    manifest = manifest or {}
    tasks: list[FileTask] = []
    skipped: list[FileRecord] = []
    folders = [""]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(root / folder) as scan:
                entries = sorted(scan, key=lambda e: e.name)
        except OSError as error:
            skipped.append(_failed(folder or ".", "folder", "P0004",
                                   f"cannot read folder {folder or '.'}: {error.strerror or error}"))
            continue
        for entry in entries:
            relative = f"{folder}/{entry.name}" if folder else entry.name
            if not folder and entry.name in RESERVED_NAMES:
                skipped.append(_failed(relative, "other", "P0015", f"{relative}: porter writes its own "
                                       f"{entry.name} at the top of the output folder"))
            elif entry.is_symlink():
                _plan_link(root, relative, entry, manifest, tasks, skipped)
            elif entry.is_dir(follow_symlinks=False):
                if entry.name in VCS_FOLDERS:
                    skipped.append(_skipped(relative, "folder", "version-control folder"))
                else:
                    folders.append(relative)
            elif entry.is_file(follow_symlinks=False):
                tasks.append(FileTask(relative, file_kind(entry.name), entry.stat(follow_symlinks=False).st_size,
                                      manifest.get(relative)))
            else:
                skipped.append(_skipped(relative, "special", "not a regular file (a FIFO, socket or device)"))
    return tasks, skipped


def _plan_link(root: Path, relative: str, entry: os.DirEntry, manifest: dict, tasks: list[FileTask],
               skipped: list[FileRecord]) -> None:
    """A link to a file inside the tree is ported like that file; every other link is skipped."""
    target = Path(entry.path).resolve()
    if not target.exists():
        skipped.append(_skipped(relative, "link", "broken symbolic link"))
    elif target.is_dir():
        skipped.append(_skipped(relative, "link", "symbolic link to a folder (not followed)"))
    elif not target.is_relative_to(root):
        skipped.append(_skipped(relative, "link", "symbolic link to a file outside the tree"))
    elif not target.is_file():
        skipped.append(_skipped(relative, "link", "symbolic link to a special file"))
    else:
        tasks.append(FileTask(relative, file_kind(entry.name), target.stat().st_size, manifest.get(relative)))


def file_kind(name: str) -> str:
    return "source" if os.path.splitext(name)[1].lower() in SOURCE_SUFFIXES else "other"


@cache
def code_fingerprint(target: str) -> str:
    """porter's version plus a hash of the code that shapes a port (core, frontends, backend)."""
    from porter import __version__

    package = Path(__file__).resolve().parent
    backend = Path(importlib.import_module(f"porter.backends.{target}").__file__).parent
    frontends = Path(importlib.import_module("porter.frontends").__file__).parent
    digest = hashlib.sha256(__version__.encode())
    for folder, pattern in ((package, "*.py"), (package, "*.toml"), (frontends, "*.py"),
                            (backend, "**/*.py"), (backend, "**/*.toml")):
        for path in sorted(folder.glob(pattern)):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:16]}"


def _key(data: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:24]


# --- the manifest --------------------------------------------------------------------------------


def load_manifest(output: Path) -> dict[str, dict[str, Any]]:
    """The last runs' entries: the manifest, then the journal of a run that did not finish over it.

    A missing, unreadable or other-format manifest counts as empty; a journal line that is not
    complete (the last one of a killed run) is ignored.
    """
    entries: dict[str, dict[str, Any]] = {}
    try:
        data = json.loads((output / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if isinstance(data, dict) and data.get("format") == _MANIFEST_FORMAT and isinstance(data.get("files"), dict):
        entries.update(data["files"])
    for line in read_journal(output / JOURNAL_NAME):
        path, entry = line.get("path"), line.get("entry")
        if not isinstance(path, str) or line.get("format") != _MANIFEST_FORMAT:
            continue
        if isinstance(entry, dict):
            entries[path] = entry
        else:
            entries.pop(path, None)  # the file failed: its output was removed
    return entries


def manifest_entry(settings: PortSettings, record: FileRecord) -> dict[str, Any] | None:
    """A written file's manifest entry (None for any other record)."""
    if record.status not in _WRITTEN or record.output_stat is None:
        return None
    return {
        "sha256": record.sha256,
        "key": settings.source_key if record.kind == "source" else settings.copy_key,
        "includes": dict(record.includes or {}),
        "output": list(record.output_stat),
        "record": {"status": record.status, "edits": record.edits,
                   "edits_by_rule": record.edits_by_rule, "lines": record.lines,
                   "diagnostics": [d for d in record.diagnostics if d["id"] not in _PLAN_NOTES],
                   "kernels": list(record.kernels)},
    }


def journal_line(settings: PortSettings, record: FileRecord) -> dict[str, Any] | None:
    """What the journal says about a file that finished: its manifest entry, or ``None`` (a
    failure: forget its entry); nothing for an up-to-date file (the manifest has it already)."""
    if record.status == UP_TO_DATE:
        return None
    return {"format": _MANIFEST_FORMAT, "path": record.path, "entry": manifest_entry(settings, record)}


def save_manifest(plan: PortPlan, records: Iterable[FileRecord]) -> None:
    """Write the manifest atomically: the entries of this run's records, and the last run's for
    the files this run did not reach (stopped or interrupted), so that they stay up to date."""
    settings = plan.settings
    entries = {task.path: plan.manifest[task.path] for task in plan.tasks if task.path in plan.manifest}
    for record in records:
        if record.status == UP_TO_DATE and record.path in plan.manifest:
            entries[record.path] = plan.manifest[record.path]
        elif (entry := manifest_entry(settings, record)) is not None:
            entries[record.path] = entry
        else:
            entries.pop(record.path, None)
    document = {"format": _MANIFEST_FORMAT, "target": settings.target, "options": dict(settings.options),
                "files": dict(sorted(entries.items()))}
    write_text_atomic(settings.output / MANIFEST_NAME, json.dumps(document, indent=1) + "\n")


# --- porting one file (worker processes) ---------------------------------------------------------


#: In a pool worker: the pid of the process that forked it (see :func:`_worker_init`).
_parent_pid: int | None = None


def port_batch(settings: PortSettings, tasks: list[FileTask]) -> list[FileRecord]:
    records = []
    for task in tasks:
        if _parent_pid is not None and os.getppid() != _parent_pid:
            os._exit(1)  # the port that started this worker is gone: write nothing more
        records.append(port_file(settings, task))
    return records


def port_file(settings: PortSettings, task: FileTask) -> FileRecord:
    """Port one file; every failure comes back as a FAILED record, never as an exception."""
    started = time.perf_counter()
    try:
        record = _port_file(settings, task)
    except InputError as error:
        record = _failed(task.path, task.kind, error.diag_id, error.message, error.hint)
        _remove_stale_output(settings, task)
    except Exception as error:  # noqa: BLE001 - one file's bug must not stop the others
        record = _failed(task.path, task.kind, "P0014",
                         f"internal error in porter, please report: {type(error).__name__}: {error}")
        _remove_stale_output(settings, task)
    if task.notes:
        record = replace(record, diagnostics=task.notes + record.diagnostics,
                         reason=record.reason or task.notes[0]["message"])
    output = task.output if task.output not in (None, task.path) else None
    return replace(record, seconds=time.perf_counter() - started, output=output, includes=task.includes)


def _output_path(settings: PortSettings, task: FileTask) -> Path:
    """Where a file's port goes: the path chosen while planning (:func:`assign_outputs`), else the
    same name, or (for a backend that emits another language, such as Triton's Python) the same
    stem with the backend's suffix."""
    if task.output is not None:
        return settings.output / task.output
    output = settings.output / task.path
    suffix = getattr(_backend(settings.target, settings.options)[0], "suffix", None) if task.kind == "source" else None
    return output.with_suffix(suffix) if suffix else output


def _port_file(settings: PortSettings, task: FileTask) -> FileRecord:
    source_path = settings.source / task.path
    output_path = _output_path(settings, task)
    digest = _sha256(source_path)
    key = settings.source_key if task.kind == "source" else settings.copy_key
    if not settings.force and _is_up_to_date(task.previous, digest, key, output_path, task.includes):
        return _up_to_date_record(task)
    if task.kind == "source":
        return _translate_file(settings, task, source_path, output_path, digest)
    copy_atomic(source_path, output_path)
    return FileRecord(task.path, task.kind, COPIED, sha256=digest, output_stat=_stat(output_path))


def _translate_file(settings: PortSettings, task: FileTask, source_path: Path, output_path: Path,
                    digest: str) -> FileRecord:
    data = _read_source(source_path, task.path)
    context, note = file_context(settings, task.path)
    source = source_from_bytes(task.path, data, source_path, context)
    backend, options = _backend(settings.target, settings.options)
    result = backend.translate(source, options)
    if result.changed:
        write_bytes_atomic(output_path, result.code_bytes())
        status = TRANSLATED
    else:
        write_bytes_atomic(output_path, data)  # byte-identical, whatever the decoder thought
        status = UNCHANGED
    return FileRecord(task.path, task.kind, status, len(result.edits), dict(Counter(e.rule for e in result.edits)),
                      source.line_count,
                      (*((note,) if note else ()), *(diagnostic_json(d) for d in result.diagnostics)),
                      sha256=digest, output_stat=_stat(output_path), kernels=tuple(k.to_json() for k in result.kernels))


@cache
@cache
def _backend(target: str, options: tuple[tuple[str, Any], ...]):
    backend = get_backend(target)
    return backend, make_options(backend, dict(options))


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, Any]:
    span = diagnostic.span
    return {"file": span.file if span else None, "line": span.line if span else None,
            "col": span.col if span else None, "id": diagnostic.id, "severity": str(diagnostic.severity),
            "message": diagnostic.message, "hint": diagnostic.hint}


def _read_source(path: Path, name: str) -> bytes:
    """A source's bytes: a regular file only, its size checked on what is read."""
    return read_source_bytes(path, name)


def _sha256(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError as error:
        raise InputError("P0004", f"cannot read {path.name}: {error.strerror or error}") from None


def _stat(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns


def _is_up_to_date(previous: dict | None, digest: str, key: str, output: Path,
                   includes: dict[str, str | None] | None = None) -> bool:
    """The source, everything it includes, the options and porter, and the output are as recorded."""
    if not previous or previous.get("sha256") != digest or previous.get("key") != key:
        return False
    if (previous.get("includes") or {}) != (includes or {}):
        return False  # a header changed, appeared or disappeared
    try:
        return list(_stat(output)) == previous.get("output")
    except OSError:
        return False


def _up_to_date_record(task: FileTask) -> FileRecord:
    last = task.previous.get("record", {})
    return FileRecord(task.path, task.kind, UP_TO_DATE, last.get("edits", 0), last.get("edits_by_rule", {}),
                      last.get("lines", 0), tuple(last.get("diagnostics", ())), was=last.get("status"),
                      kernels=tuple(last.get("kernels", ())))


def _remove_stale_output(settings: PortSettings, task: FileTask) -> None:
    """After a failure, remove the output an earlier run wrote, so that nobody builds a stale port."""
    if not task.previous:
        return
    output = _output_path(settings, task)
    try:
        if list(_stat(output)) == task.previous.get("output"):
            output.unlink()
    except OSError:
        pass


def _diagnostic(path: str, diag_id: str, severity: str, message: str, hint: str | None = None) -> dict[str, Any]:
    return {"file": path, "line": None, "col": None, "id": diag_id, "severity": severity,
            "message": message, "hint": hint}


def _failed(path: str, kind: str, diag_id: str, message: str, hint: str | None = None) -> FileRecord:
    return FileRecord(path, kind, FAILED, diagnostics=(_diagnostic(path, diag_id, "error", message, hint),),
                      reason=message)


def _skipped(path: str, kind: str, reason: str) -> FileRecord:
    diagnostic = {"file": path, "line": None, "col": None, "id": "P0013", "severity": "note",
                  "message": f"{path}: skipped: {reason}", "hint": None}
    return FileRecord(path, kind, SKIPPED, diagnostics=(diagnostic,), reason=reason)


# --- running the plan ---------------------------------------------------------------------------


def execute(plan: PortPlan, jobs: int | None = None, progress: Progress | None = None) -> PortRun:
    """Port every task of ``plan``, journaling each file as it finishes; stops early on a full disk.

    The journal is folded into the manifest at the end, also when interrupted (Ctrl-C) or stopped.
    """
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(plan.tasks) or 1))
    started = datetime.now(timezone.utc).isoformat(timespec="seconds")
    clock = time.perf_counter()
    settings = plan.settings
    if plan.resumed:  # the last run was killed: remove the temporary files it left
        outputs = {task.output or task.path for task in plan.tasks}
        remove_temporaries(settings.output, keep=outputs.__contains__)
    collector = _Collector(settings, Journal(settings.output / JOURNAL_NAME), progress)
    interrupted = False
    try:
        runner = _run_in_process if jobs == 1 else _run_in_pool
        runner(plan, jobs, collector)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        records = sorted(plan.skipped + collector.records, key=lambda r: r.path)
        stopped = collector.stopped
        try:
            collector.journal.close()
            save_manifest(plan, records)
            (settings.output / JOURNAL_NAME).unlink(missing_ok=True)
        except InputError as error:  # e.g. the disk is full: the journal keeps the work done
            stopped = stopped or _diagnostic(str(error.path or settings.output), error.diag_id, "error",
                                             error.message, error.hint)
        run = PortRun(settings.source, settings.output, settings.target, dict(settings.options), jobs,
                      settings.force, records, time.perf_counter() - clock, started, interrupted, stopped,
                      len(plan.tasks) - len(collector.records))
    return run


class _Collector:
    """Receives the records as files finish: journals them, advances the progress, and decides
    whether to go on (not after a full disk)."""

    def __init__(self, settings: PortSettings, journal: Journal, progress: Progress | None) -> None:
        self.settings = settings
        self.journal = journal
        self.progress = progress
        self.records: list[FileRecord] = []
        self.stopped: dict[str, Any] | None = None

    def start(self, total: int) -> None:
        if self.progress is not None:
            self.progress.start(total)

    def __call__(self, records: list[FileRecord]) -> bool:
        """Take finished records; False once the run must stop."""
        self.records.extend(records)
        for record in records:
            if self.stopped is None and record.diagnostics and record.status == FAILED \
                    and record.diagnostics[-1]["id"] == DiskFullError.DIAG_ID:
                self.stopped = record.diagnostics[-1]
            line = journal_line(self.settings, record)
            if line is not None:
                try:
                    self.journal.append(line)
                except InputError as error:
                    self.stopped = self.stopped or _diagnostic(JOURNAL_NAME, error.diag_id, "error", error.message,
                                                               error.hint)
        if self.progress is not None:
            self.progress.advance(records)
        return self.stopped is None


def _run_in_process(plan: PortPlan, jobs: int, collect: _Collector) -> None:
    collect.start(len(plan.tasks))
    for task in plan.tasks:
        if not collect([port_file(plan.settings, task)]):
            return


def _run_in_pool(plan: PortPlan, jobs: int, collect: _Collector) -> None:
    """Port the plan in a pool of ``jobs`` forked workers. A worker that dies (a crash in a native
    library, the OOM killer) costs only the file that killed it: the pool is replaced, the files of
    the batches that were in flight are ported again each in a process of its own, and a file that
    kills that process too is FAILED (P0014, with the signal); every other file is ported."""
    # Largest files first, in small batches: the load balances, the progress stays live, and
    # Ctrl-C (or a full disk) waits only for the batches in flight.
    tasks = sorted(plan.tasks, key=lambda t: (-t.size, t.path))
    size = max(1, min(8, math.ceil(len(tasks) / (jobs * 16))))
    batches = deque(tasks[i:i + size] for i in range(0, len(tasks), size))
    _warm_up(plan.settings.target, plan.settings.options)  # forked workers inherit the loaded tables
    start: Callable[[], None] | None = lambda: collect.start(len(plan.tasks))
    while batches:
        suspects = _run_batches(plan.settings, jobs, batches, collect, start)
        start = None
        if suspects is None or (suspects and not _port_alone(plan.settings, suspects, jobs, collect)):
            return  # stopped (a full disk)


def _run_batches(settings: PortSettings, jobs: int, batches: deque[list[FileTask]], collect: _Collector,
                 start: Callable[[], None] | None) -> list[FileTask] | None:
    """Run ``batches`` (taking them from the left) in one pool, with at most ``jobs`` in flight, so
    that a dead worker breaks only the batches then running. Returns the tasks of those batches
    (empty when no worker died), or None once ``collect`` says stop."""
    with ProcessPoolExecutor(jobs, mp_context=_pool_context(), initializer=_worker_init,
                             initargs=(os.getpid(),)) as pool:
        pending: dict[Future, list[FileTask]] = {}

        def submit() -> None:
            while batches and len(pending) < jobs:
                batch = batches.popleft()
                pending[pool.submit(port_batch, settings, batch)] = batch

        # With fork, the first submit starts every worker (from this thread, which outlives them:
        # their PR_SET_PDEATHSIG fires when it dies): before the progress bar starts its thread.
        submit()
        if start is not None:
            start()
        suspects: list[FileTask] = []
        go_on = True
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    batch = pending.pop(future)
                    if _worker_died(future):
                        suspects.extend(batch)  # the pool is broken: every batch in flight ends so
                    else:
                        go_on = collect(_batch_records(future, batch)) and go_on
                if go_on and not suspects:
                    submit()  # stopped: start no more batches; those already running finish and are kept
        except BaseException:
            # Interrupted: let the batches in flight finish, and keep their records (their files
            # are written), so that the manifest lets the next run skip them.
            pool.shutdown(wait=True, cancel_futures=True)
            for future, batch in pending.items():
                if future.done() and not future.cancelled() and not _worker_died(future):
                    collect(_batch_records(future, batch))
            raise
    return suspects if go_on else None


def _worker_died(future: Future) -> bool:
    return not future.cancelled() and isinstance(future.exception(), BrokenProcessPool)


def _port_alone(settings: PortSettings, tasks: list[FileTask], jobs: int, collect: _Collector) -> bool:
    """Port each of ``tasks`` in a process of its own (``jobs`` at a time), so that a process that
    dies names its file; False once ``collect`` says stop."""
    import multiprocessing
    from multiprocessing.connection import wait as wait_for

    context = _pool_context() or multiprocessing.get_context()
    queue = deque(tasks)
    running: dict[Any, tuple[Any, FileTask]] = {}
    go_on = True
    try:
        while running or (queue and go_on):
            while queue and go_on and len(running) < jobs:
                task = queue.popleft()
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_alone, args=(send, os.getpid(), settings, task), daemon=True)
                process.start()
                send.close()
                running[receive] = (process, task)
            for connection in wait_for(list(running)):
                go_on = collect([_alone_record(settings, connection, *running.pop(connection))]) and go_on
    except BaseException:
        for connection, (process, task) in running.items():  # interrupted: keep what finishes
            collect([_alone_record(settings, connection, process, task)])
        raise
    return go_on


def _alone(connection, parent: int, settings: PortSettings, task: FileTask) -> None:
    """A process of its own for one file: its record goes back through ``connection``."""
    _worker_init(parent)
    connection.send(port_file(settings, task))
    connection.close()


def _alone_record(settings: PortSettings, connection, process, task: FileTask) -> FileRecord:
    """The record ``process`` sent, or FAILED (P0014) when it died before sending one."""
    try:
        record = connection.recv()
    except (EOFError, OSError):
        record = None
    connection.close()
    process.join()
    if record is not None:
        return record
    code = process.exitcode
    how = (f"signal {-code}, {signal.Signals(-code).name}" if code is not None and code < 0
           and -code in signal.valid_signals() else f"exit status {code}")
    _remove_stale_output(settings, task)
    return _failed(task.path, task.kind, "P0014",
                   f"porter's worker crashed on this file ({how}), twice: in its batch and alone; "
                   "the other files were ported")


def _batch_records(future: Future, batch: list[FileTask]) -> list[FileRecord]:
    try:
        return future.result()
    except BrokenProcessPool:
        message = "internal error in porter, please report: the worker process porting this file died"
    except Exception as error:  # noqa: BLE001 - e.g. a record that would not pickle
        message = f"internal error in porter, please report: {type(error).__name__}: {error}"
    return [_failed(task.path, task.kind, "P0014", message) for task in batch]


def _pool_context():
    """fork on Linux: workers start at once, with porter already loaded, and never re-run the
    caller's ``__main__`` (spawn and forkserver do, which breaks scripts without a main guard)."""
    import multiprocessing

    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return None


def _warm_up(target: str, options: tuple[tuple[str, Any], ...]) -> None:
    """Load the parser and the name tables once, before the workers are forked."""
    try:
        backend, backend_options = _backend(target, options)
        backend.translate(SourceFile("<warm-up>", "__global__ void k() { cudaDeviceSynchronize(); }\n"),
                          backend_options)
    except Exception:  # noqa: BLE001 - a real failure shows up, per file, on the first task
        pass


#: ``prctl`` option: the signal the kernel sends this process when its parent dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1


def _worker_init(parent: int) -> None:
    """Set up a pool worker: it ignores Ctrl-C (the whole process group gets it; the main process
    alone handles it) and dies with ``parent``, the port that forked it."""
    global _parent_pid
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _parent_pid = parent
    die_with_parent(parent)


def die_with_parent(parent: int, prctl: Callable[..., int] | None = None) -> bool:
    """Have the kernel SIGKILL this process when its parent dies (Linux ``PR_SET_PDEATHSIG``).

    The request is tied to the parent's thread that forked this process. The parent may already
    have died before the request: then this process exits at once. Returns whether the kernel
    took the request (False on other systems, where :func:`port_batch`'s check before each file
    is what stops an orphaned worker).
    """
    armed = False
    if sys.platform.startswith("linux"):
        try:
            if prctl is None:
                import ctypes

                prctl = ctypes.CDLL(None, use_errno=True).prctl
            armed = prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent:
        os._exit(1)
    return armed


# --- filling refused kernels with a model (main process, after the port) ---------------------------

#: Error diagnostics a model may fill: tile lowering (P04xx), Pallas (P06xx), NKI (P07xx).
FILLABLE = ("P04", "P06", "P07")


def fill_refused(run: PortRun, model: str, *, echo: Callable[[str], None] | None = None, **fill_options: Any) -> PortRun:
    """Ask ``model`` to write the kernels the passes refused, one source at a time, after the port.

    A source is tried when its port has error diagnostics, all of them P04xx/P06xx/P07xx, and a
    golden spec lies beside it (``NAME.toml`` next to ``NAME.cu``) that launches every kernel the
    file defines. :func:`porter.llm.fill.fill` keeps a candidate only if it passes every check
    against the spec's fresh recorded goldens; the kept module (marked MODEL-WRITTEN in its
    header) then replaces the file's output, the record's status becomes ``filled`` and
    ``record.fill`` holds the provenance. Otherwise the deterministic port stays and
    ``record.fill`` says why. ``fill_options`` go to :func:`~porter.llm.fill.fill` (store, mode,
    unconfined, rounds, candidates, ...). The manifest keeps the port's entry: the next run ports
    the file again (and fills it again with ``--llm``, from the store when one is given).
    """
    say = echo or (lambda line: None)
    todo = [r for r in run.records if _fillable(r)]
    records = {r.path: r for r in run.records}
    stop = ""
    for number, record in enumerate(todo, 1):
        codes = sorted({d["id"] for d in record.diagnostics if d["severity"] == "error"})
        if stop:
            records[record.path] = replace(record, fill={"model": model, "kept": False, "reason": stop})
            continue
        say(f"porter: fill {number}/{len(todo)}: {record.path} ({', '.join(codes)}): asking {model}")
        outcome, code, stop = _fill_one(run, record, model, fill_options)
        output = run.output / (record.output or _default_output(run.target, record.path))
        if code is not None:
            try:
                write_text_atomic(output, code)
            except InputError as error:  # e.g. a full disk: the port's output stays
                code, outcome = None, {**outcome, "kept": False, "reason": f"not written: {error.message}"}
        if code is not None:
            records[record.path] = replace(record, status=FILLED, fill=outcome)
            say(f"porter: fill {number}/{len(todo)}: {record.path}: kept (model-written), written to "
                f"{output.relative_to(run.output)}")
        else:
            records[record.path] = replace(record, fill=outcome)
            say(f"porter: fill {number}/{len(todo)}: {record.path}: nothing kept: {outcome['reason']}")
    run.records = [records[r.path] for r in run.records]
    return run


def _fillable(record: FileRecord) -> bool:
    if record.kind != "source" or record.status not in (TRANSLATED, UNCHANGED, UP_TO_DATE):
        return False
    errors = [d["id"] for d in record.diagnostics if d["severity"] == "error"]
    return bool(errors) and all(e.startswith(FILLABLE) for e in errors)


def _default_output(target: str, path: str) -> str:
    suffix = getattr(get_backend(target), "suffix", None)
    return _with_suffix(path, suffix) if suffix else path


def _fill_one(run: PortRun, record: FileRecord, model: str, options: dict[str, Any]
              ) -> tuple[dict[str, Any], str | None, str]:
    """(the record's fill outcome, the kept module or None, why no later file should be tried or "")."""
    from porter.llm.fill import FillRefused, fill
    from porter.llm.providers import ProviderError

    from porter.frontends.ir_frontend import build_ir
    from porter.golden.spec import load_spec

    source = run.source / record.path
    outcome: dict[str, Any] = {"model": model, "kept": False}
    spec_path = source.with_suffix(".toml")
    try:
        if not spec_path.is_file():
            raise FillRefused(f"no golden spec {spec_path.name} beside {source.name}: without goldens for the "
                              "kernel nothing model-written is ever kept")
        spec = load_spec(spec_path)
        launched = {launch.kernel for launch in spec.launches}
        defined = {kernel.name for kernel in build_ir(source).kernels}
        if defined - launched:
            raise FillRefused(f"{spec_path.name} launches {', '.join(sorted(launched))}, not "
                              f"{', '.join(sorted(defined - launched))}: a fill would not cover every kernel "
                              "of the file")
        result = fill(source, run.target, model=model, spec=spec, options=dict(run.options), **options)
    except FillRefused as error:
        return {**outcome, "reason": str(error)}, None, ""
    except ProviderError as error:
        reason = f"the model's provider failed: {error}"
        return {**outcome, "reason": reason}, None, reason if error.auth else ""
    except Exception as error:  # noqa: BLE001 - a failed fill keeps the port; the other files go on
        return {**outcome, "reason": f"{type(error).__name__}: {error}"}, None, ""
    data = result.to_json()
    outcome.update(refusal=list(result.refusal.codes), verdict=result.verdict,
                   candidates=[{"name": c.name, "accepted": c.accepted, "rejected_by": c.rejected_by}
                               for c in result.candidates], notes=result.notes)
    if result.kept is None:
        return {**outcome, "reason": result.verdict}, None, ""
    kept = data["kept"]
    origin = kept["origin"]
    outcome.update(kept=True, model_written=True, candidate=kept["name"], code_sha256=kept["code_sha256"],
                   written=kept["written"], store_key=origin.get("store_key"),
                   prompt_sha256=origin.get("prompt_sha256"), served_by=origin.get("served_by"),
                   replayed=origin.get("replayed"), checks=kept["checks"], trials=kept["trials"])
    return outcome, result.code, ""


def port_tree(source: str | os.PathLike, output: str | os.PathLike, target: str = "hip", *,
              jobs: int | None = None, force: bool = False, progress: Progress | None = None,
              **options: Any) -> PortRun:
    """Port the tree at ``source`` into ``output`` and write ``report.json`` and ``report.md`` there.

    Raises :class:`InputError` for bad paths and ``ValueError``/``TypeError`` for bad options; every
    problem with one file is in that file's record instead.
    """
    from porter.report import write_reports

    plan = plan_port(Path(source), Path(output), target, force=force, **options)
    run = execute(plan, jobs, progress)
    write_reports(run)
    return run


__all__ = ["COPIED", "FAILED", "FILLED", "SKIPPED", "STATUSES", "TRANSLATED", "UNCHANGED", "UP_TO_DATE", "FileRecord",
           "PortRun", "execute", "fill_refused", "plan_port", "port_file", "port_tree", "walk_tree"]
