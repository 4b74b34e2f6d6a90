"""The questions porter asks of a profile: which kernels take the time (``top``), does the database
hold what the profiler measured (``verify``), how close each kernel is to the machine's limits
(``roofline``), and any SQL (``query``)."""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[tuple]

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, row)) for row in self.rows]


def query(db: sqlite3.Connection, sql: str) -> Table:
    """Any read-only SQL over the profile (the connection is read-only: writes fail)."""
    cursor = db.execute(sql)
    columns = tuple(d[0] for d in cursor.description or ())
    return Table(columns, [tuple(row) for row in cursor.fetchall()])


def _percentile(sorted_values: list[int], fraction: float) -> int:
    """Nearest-rank percentile (the value below which ``fraction`` of the values fall)."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def top(db: sqlite3.Connection, *, by: str = "name", limit: int | None = None) -> Table:
    """Kernels by total GPU time: share of all kernel time, launches, total, mean and p90 (us).
    ``by``: ``name`` (as the profiler reports it) or ``base_name`` (the bare function name)."""
    if by not in ("name", "base_name"):
        raise ValueError("group by 'name' or 'base_name'")
    durations: dict[str, list[int]] = {}
    for key, duration in db.execute(f"SELECT {by}, duration_ns FROM kernels"):
        durations.setdefault(key, []).append(duration)
    grand = sum(sum(v) for v in durations.values()) or 1
    rows = []
    for key, values in durations.items():
        values.sort()
        total = sum(values)
        rows.append((key, round(100 * total / grand, 2), len(values), round(total / 1000, 3),
                     round(total / len(values) / 1000, 3), round(_percentile(values, 0.9) / 1000, 3)))
    rows.sort(key=lambda r: (-r[3], r[0]))
    return Table(("kernel", "share_%", "launches", "total_us", "mean_us", "p90_us"), rows[:limit])


def verify(db: sqlite3.Connection) -> Table:
    """Per kernel name: the database's total against the profiler's own aggregate (``key_averages``
    for torch.profiler), and their relative difference."""
    ours = dict(db.execute("SELECT name, SUM(duration_ns) FROM kernels GROUP BY name"))
    theirs = {name: total for name, _calls, total in db.execute("SELECT * FROM profiler_totals")}
    # the profiler's device events that are not kernels (copies, sets) have no row in `kernels`
    kernels_theirs = {n for n in theirs if not n.startswith(("Memcpy", "Memset"))}
    rows = []
    for name in sorted(set(ours) | kernels_theirs):
        a, b = ours.get(name, 0), theirs.get(name)
        diff = None if not b else round(abs(a - b) / b, 6)
        rows.append((name, round(a / 1000, 3), None if b is None else round(b / 1000, 3), diff))
    total_ours = sum(ours.values())
    total_theirs = sum(theirs[n] for n in set(ours) | kernels_theirs if n in theirs)
    if total_theirs:
        overall = round(abs(total_ours - total_theirs) / total_theirs, 6)
    else:
        overall = 0.0 if total_ours == 0 else None  # no kernels on either side agree
    rows.append(("(all kernels)", round(total_ours / 1000, 3), round(total_theirs / 1000, 3), overall))
    return Table(("kernel", "database_us", "profiler_us", "relative_difference"), rows)


def roofline(db: sqlite3.Connection, *, peak_tflops: float | None = None, peak_tbps: float | None = None) -> Table:
    """Per kernel with counted DRAM bytes and FLOPs: arithmetic intensity, achieved throughput, and
    (with peaks) the fraction of the roof at that intensity."""
    rows = []
    for name, launches, ns, nbytes, flops in db.execute(
            "SELECT name, COUNT(*), SUM(duration_ns), SUM(dram_bytes), SUM(flops) FROM kernels "
            "WHERE dram_bytes IS NOT NULL AND flops IS NOT NULL GROUP BY name ORDER BY SUM(duration_ns) DESC"):
        seconds = ns / 1e9
        intensity = flops / nbytes if nbytes else None
        tflops, tbps = flops / seconds / 1e12, nbytes / seconds / 1e12
        roof = None
        if peak_tflops and peak_tbps and intensity is not None:
            attainable = min(peak_tflops, intensity * peak_tbps)
            roof = round(tflops / attainable, 4) if attainable else None
        rows.append((name, launches, round(ns / 1000, 3), nbytes, flops,
                     None if intensity is None else round(intensity, 4), round(tflops, 4), round(tbps, 4), roof))
    return Table(("kernel", "launches", "total_us", "dram_bytes", "flops", "flop_per_byte", "tflop_s", "tb_s",
                  "fraction_of_roof"), rows)
