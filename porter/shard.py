"""Split work into N shards that CI jobs run apart: ``--shard K/N`` on ``porter check`` and ``porter port``.

A unit of work (a file, or a file and one of its cases) goes to the shard picked by a hash of its
key, never by its position in a list: adding a kernel moves no other kernel's cases between shards,
and every machine that sees the same files splits them the same way. The keys use paths relative to
the folder that was named, so checkouts in different places agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 1 <= self.index <= self.count:
            raise ValueError(f"shard {self.index}/{self.count}: K/N needs 1 <= K <= N")

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/4"`` -> ``Shard(2, 4)``; ValueError for anything else."""
        index, slash, count = text.strip().partition("/")
        if not slash or not index.strip().isdigit() or not count.strip().isdigit():
            raise ValueError(f"{text!r} is not K/N (e.g. 2/4: the second of four shards)")
        return cls(int(index), int(count))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, key: str) -> bool:
        return bucket(key, self.count) == self.index - 1


def bucket(key: str, count: int) -> int:
    """The 0-based shard of ``key`` among ``count``: a stable hash (not Python's salted ``hash``)."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


def case_key(file: str, case: str) -> str:
    """The key of one case of a kernel spec file."""
    return f"{file}::{case}"


def relative_name(path: Path, roots: Sequence[Path]) -> str:
    """``path`` relative to the first of ``roots`` (folders that were named) holding it, with "/";
    a path named directly (no folder holds it) is keyed by its file name."""
    resolved = path.resolve()
    for root in roots:
        root = root.resolve()
        if root.is_dir() and resolved.is_relative_to(root):
            return resolved.relative_to(root).as_posix()
    return path.name


def split(keys: Iterable[str], count: int) -> list[list[str]]:
    """Every key in the shard that holds it (shard 1 first)."""
    shards: list[list[str]] = [[] for _ in range(count)]
    for key in keys:
        shards[bucket(key, count)].append(key)
    return shards


def shard_port_plan(plan, shard: Shard):
    """A :class:`porter.port.PortPlan` narrowed to the files (and skipped entries) whose path in the
    source tree hashes to ``shard``."""
    return replace(plan, tasks=[t for t in plan.tasks if shard.holds(t.path)],
                   skipped=[r for r in plan.skipped if shard.holds(r.path)])
