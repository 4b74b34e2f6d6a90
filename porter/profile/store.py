"""The profile database: one SQLite file per run (Python's own ``sqlite3``: a real embedded engine
every Python has, and the format Nsight Systems exports, so no extra dependency).

Times are integer nanoseconds from the trace's own origin. ``kernels.name`` is the name as the
profiler reports it (demangled where the profiler demangles; templates and arguments kept), and
``kernels.base_name`` the bare function name (no namespaces, template arguments or parameters),
which is what a ``__global__`` definition in the sources is called.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass, fields
from pathlib import Path

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE kernels (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, base_name TEXT NOT NULL,
    start_ns INTEGER NOT NULL, duration_ns INTEGER NOT NULL,
    grid_x INTEGER, grid_y INTEGER, grid_z INTEGER, block_x INTEGER, block_y INTEGER, block_z INTEGER,
    registers INTEGER, shared_bytes INTEGER,
    stream INTEGER, device INTEGER, correlation INTEGER,
    dram_bytes INTEGER, flops INTEGER
);
CREATE TABLE memops (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, bytes INTEGER, start_ns INTEGER NOT NULL,
    duration_ns INTEGER NOT NULL, stream INTEGER, device INTEGER, correlation INTEGER
);
CREATE TABLE api_calls (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, start_ns INTEGER NOT NULL, duration_ns INTEGER NOT NULL,
    thread INTEGER, correlation INTEGER
);
CREATE TABLE profiler_totals (name TEXT PRIMARY KEY, calls INTEGER NOT NULL, total_ns INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class Kernel:
    name: str
    base_name: str
    start_ns: int
    duration_ns: int
    grid_x: int | None = None
    grid_y: int | None = None
    grid_z: int | None = None
    block_x: int | None = None
    block_y: int | None = None
    block_z: int | None = None
    registers: int | None = None
    shared_bytes: int | None = None  # static + dynamic shared memory per block
    stream: int | None = None
    device: int | None = None
    correlation: int | None = None
    dram_bytes: int | None = None
    flops: int | None = None


@dataclass(frozen=True)
class MemOp:
    kind: str  # "memcpy HtoD", "memcpy DtoH", "memcpy DtoD", "memset", ...
    bytes: int | None
    start_ns: int
    duration_ns: int
    stream: int | None = None
    device: int | None = None
    correlation: int | None = None


@dataclass(frozen=True)
class ApiCall:
    name: str
    start_ns: int
    duration_ns: int
    thread: int | None = None
    correlation: int | None = None


@dataclass
class Profile:
    """What one profiler run produced, before it is written."""

    kernels: list[Kernel]
    memops: list[MemOp]
    api_calls: list[ApiCall]
    meta: dict[str, object]
    #: the profiler's own per-kernel totals (name -> (calls, ns)), kept to check the database against
    profiler_totals: dict[str, tuple[int, int]]


def _insert(db: sqlite3.Connection, table: str, rows: Iterable, kind: type) -> None:
    names = [f.name for f in fields(kind)]
    db.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                   (astuple(row) for row in rows))


def write(profile: Profile, path: Path) -> Path:
    """Write ``profile`` to a new SQLite file at ``path`` (atomically: a temporary file renamed)."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    db = sqlite3.connect(partial)
    try:
        db.executescript(SCHEMA)
        meta = {"schema_version": SCHEMA_VERSION, **profile.meta}
        db.executemany("INSERT INTO meta VALUES (?, ?)",
                       ((k, v if isinstance(v, str) else json.dumps(v)) for k, v in sorted(meta.items())))
        _insert(db, "kernels", profile.kernels, Kernel)
        _insert(db, "memops", profile.memops, MemOp)
        _insert(db, "api_calls", profile.api_calls, ApiCall)
        db.executemany("INSERT INTO profiler_totals VALUES (?, ?, ?)",
                       ((n, c, t) for n, (c, t) in sorted(profile.profiler_totals.items())))
        db.commit()
    finally:
        db.close()
    os.replace(partial, path)
    return path


class NotAProfile(ValueError):
    """The file is not a porter profile database."""


def open_profile(path: str | os.PathLike) -> sqlite3.Connection:
    """A read-only connection to a profile database, with a clear error for anything else."""
    path = Path(path)
    if not path.is_file():
        raise NotAProfile(f"{path}: no such file (make one with `porter profile -- CMD`)")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.DatabaseError as error:
        raise NotAProfile(f"{path}: not a porter profile database ({error})") from None
    if version is None or int(version[0]) != SCHEMA_VERSION:
        raise NotAProfile(f"{path}: profile schema {version and version[0]}, porter reads {SCHEMA_VERSION}")
    return db


def metadata(db: sqlite3.Connection) -> Mapping[str, object]:
    out = {}
    for key, value in db.execute("SELECT key, value FROM meta ORDER BY key"):
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out
