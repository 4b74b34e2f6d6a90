"""Throughput of ``porter port`` on a large synthetic CUDA tree (benchmarks/make_tree.py).

    python benchmarks/bench_port.py [--files 520] [--jobs 1 2] [--repeat 3] [--rules] [--profile]

Runs the real command in-process (``porter port TREE --to hip --out OUT -j N --force``), best of
``--repeat`` runs per job count, and prints files, lines, seconds, files/s, lines/s and lines/s
per core (lines/s divided by the jobs, at most the CPUs). Lines are the lines of the sources
translated (report.json's summary). The target is 10,000 lines/s per core. ``--profile`` adds a
cProfile of one -j 1 run (the hottest functions in porter, its frontends and backends);
``--rules`` times each rule of the HIP backend over the tree's sources.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_tree import generate  # noqa: E402

TARGET_LINES_PER_CORE = 10_000


def port_once(tree: Path, out: Path, jobs: int) -> dict:
    """One ``porter port`` run, as the console script runs it; returns report.json's summary and the time."""
    from porter.cli import cli

    arguments = ["port", str(tree), "--to", "hip", "--out", str(out), "-j", str(jobs), "--force"]
    started = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()) as stderr:
        code = cli.main(arguments, standalone_mode=False)
    seconds = time.perf_counter() - started
    if code:
        raise SystemExit(f"porter port failed ({code}):\n{stderr.getvalue()}")
    summary = json.loads((out / "report.json").read_text())["summary"]
    return {"jobs": jobs, "seconds": seconds, "files": summary["files"], "lines": summary["lines"]}


def profile_once(tree: Path, out: Path, limit: int = 25) -> str:
    import cProfile
    import pstats

    from porter.port import execute, plan_port

    plan = plan_port(tree, out, "hip", force=True)
    profiler = cProfile.Profile()
    profiler.enable()
    execute(plan, 1)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(r"backends|frontends|porter", limit)
    return text.getvalue()


def rule_times(tree: Path) -> str:
    """Seconds in each HIP rule (and in parsing) over the tree's sources, one process, no pool."""
    import collections

    import porter.backends.hip as hip
    from porter.backends.hip.options import HipOptions
    from porter.frontends.treesitter import CudaSyntax
    from porter.port import file_kind
    from porter.source import SourceFile

    spent: collections.Counter[str] = collections.Counter()

    def timed(name, function):
        def wrapper(*args):
            started = time.perf_counter()
            try:
                return function(*args)
            finally:
                spent[name] += time.perf_counter() - started
        return wrapper

    rules, parse = hip.RULES, CudaSyntax.parse
    hip.RULES = tuple(timed(rule.__name__, rule) for rule in rules)
    CudaSyntax.parse = staticmethod(timed("parse (tree-sitter)", parse))
    try:
        sources = [SourceFile(str(p), p.read_text(encoding="utf-8"), p) for p in sorted(tree.rglob("*"))
                   if p.is_file() and file_kind(p.name) == "source"]
        options = HipOptions()
        started = time.perf_counter()
        for source in sources:
            hip.BACKEND.translate(source, options)
        total = time.perf_counter() - started
    finally:
        hip.RULES, CudaSyntax.parse = rules, parse
    lines = sum(source.line_count for source in sources)
    rows = [f"HIP backend alone: {lines:,} lines in {total:.2f} s = {lines / total:,.0f} lines/s", "",
            f"{'step':<28} {'seconds':>8} {'share':>6}"]
    rows += [f"{name:<28} {seconds:>8.2f} {100 * seconds / total:>5.1f}%" for name, seconds in spent.most_common()]
    return "\n".join(rows)


def table(rows: list[dict]) -> str:
    cores = os.cpu_count() or 1
    header = f"{'jobs':>4} {'files':>6} {'lines':>8} {'seconds':>8} {'files/s':>8} {'lines/s':>9} {'lines/s/core':>13}"
    lines = [header, "-" * len(header)]
    for row in rows:
        per_second = row["lines"] / row["seconds"]
        per_core = per_second / min(row["jobs"], cores)
        lines.append(f"{row['jobs']:>4} {row['files']:>6} {row['lines']:>8,} {row['seconds']:>8.2f} "
                     f"{row['files'] / row['seconds']:>8.1f} {per_second:>9,.0f} {per_core:>13,.0f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=520, help="files in the generated tree")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3, help="runs per job count; the best is kept")
    parser.add_argument("--profile", action="store_true", help="also cProfile one -j 1 run")
    parser.add_argument("--rules", action="store_true", help="also time each HIP rule over the tree")
    parser.add_argument("--tree", type=Path, help="port this tree instead of a generated one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="porter-bench-") as folder:
        tree = args.tree or Path(folder) / "tree"
        if args.tree is None:
            counts = generate(tree, args.files, args.seed)
            print(f"tree: {counts['files']} files, {counts['sources']} sources, {counts['lines']:,} source lines")
        rows = []
        for jobs in args.jobs:
            runs = [port_once(tree, Path(folder) / f"out-j{jobs}", jobs) for _ in range(args.repeat)]
            rows.append(min(runs, key=lambda run: run["seconds"]))
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(f"porter port --to hip, best of {args.repeat}, {os.cpu_count()} CPUs, load average {load:.2f}")
        print(table(rows))
        best = max(row["lines"] / row["seconds"] / min(row["jobs"], os.cpu_count() or 1) for row in rows)
        verdict = "meets" if best >= TARGET_LINES_PER_CORE else "is below"
        print(f"best {best:,.0f} lines/s per core {verdict} the target of {TARGET_LINES_PER_CORE:,}")
        if args.rules:
            print(rule_times(tree))
        if args.profile:
            print(profile_once(tree, Path(folder) / "out-profile"))


if __name__ == "__main__":
    main()
