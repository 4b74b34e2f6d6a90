"""Throughput on real code: ``porter port --to hip -j 2`` vs hipify-perl over HeCBench's CUDA sources.

    python benchmarks/hecbench_throughput.py [--jobs 2] [--repeat 1] [--programs a,b] --out DIR

Both tools translate the same files, on the same machine, in the same run: every CUDA and C/C++
source (.cu .cuh .h .hpp .cpp .cc .cxx .c .inl) of ../shared/corpora/hecbench-dev's ``src/*-cuda``
folders and ``src/include``. The folders are first copied into a scratch tree (not timed), so that
``porter port`` sees exactly them.

* porter: the console command ``porter port TREE --to hip --hip-version 5.2 --out OUT -j JOBS
  --force``, timed from start to exit (its start-up, the tree walk, copying the other files of
  the tree and writing report.json included). ``porter port`` runs no compile gate (that is
  ``python -m porter.backends.hip.gate``, not timed here).
* hipify-perl: one process per file (``perl hipify-perl -quiet-warnings -o=OUT FILE``), JOBS at a
  time, timed from the first start to the last exit.

Prints and writes (DIR/throughput.md, DIR/throughput.json) files, seconds and files/s for both, and
porter's speed-up; any file porter failed to port is listed (with its reason), as is any file
hipify-perl exited non-zero on. With --repeat N the best of N runs of each is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
SHARED = REPOSITORY.parent / "shared"
DEFAULT_CORPUS = SHARED / "corpora" / "hecbench-dev"
DEFAULT_HIPIFY = SHARED / "tools" / "hipify-perl" / "hipify-perl"
SOURCE_SUFFIXES = (".cu", ".cuh", ".h", ".hpp", ".cpp", ".cc", ".cxx", ".c", ".inl")


def stage(corpus: Path, tree: Path, programs: list[str] | None) -> list[str]:
    """Copy the CUDA folders (and src/include) into ``tree``; return the sources, relative to it."""
    src = corpus / "src"
    folders = [src / f"{p}-cuda" for p in programs] if programs else sorted(src.glob("*-cuda"))
    if (src / "include").is_dir():
        folders.append(src / "include")
    for folder in folders:
        shutil.copytree(folder, tree / folder.name, symlinks=True)
    return sorted(str(p.relative_to(tree)) for p in tree.rglob("*")
                  if p.is_file() and not p.is_symlink() and p.suffix in SOURCE_SUFFIXES)


def time_porter(tree: Path, out: Path, jobs: int) -> dict:
    porter = shutil.which("porter") or str(Path(sys.executable).with_name("porter"))
    command = [porter, "port", str(tree), "--to", "hip", "--hip-version", "5.2", "--out", str(out),
               "-j", str(jobs), "--force"]
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    report = json.loads((out / "report.json").read_text())
    failed = [f"{r['path']}: {r.get('reason')}" for r in report["files"] if r["status"] == "failed"]
    sources = [r for r in report["files"] if r["kind"] == "source"]
    return {"seconds": seconds, "exit_code": completed.returncode, "sources": len(sources),
            "files": len(report["files"]), "lines": report["summary"]["lines"], "failed": failed,
            "command": " ".join(["porter", *command[1:]])}


def time_hipify(tree: Path, out: Path, files: list[str], jobs: int, hipify: Path) -> dict:
    def one(relative: str) -> tuple[str, int, str]:
        target = out / (relative + ".hip")
        target.parent.mkdir(parents=True, exist_ok=True)
        completed = subprocess.run(["perl", str(hipify), "-quiet-warnings", f"-o={target}", str(tree / relative)],
                                   capture_output=True, text=True, stdin=subprocess.DEVNULL)
        return relative, completed.returncode, completed.stderr.strip()[:200]

    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        results = list(pool.map(one, files))
    seconds = time.perf_counter() - started
    failed = [f"{path}: exit {code}: {message}" for path, code, message in results if code != 0]
    return {"seconds": seconds, "files": len(files), "failed": failed,
            "command": f"perl hipify-perl -quiet-warnings -o=OUT FILE (one process per file, {jobs} at a time)"}


def best(runs: list[dict]) -> dict:
    return min(runs, key=lambda r: r["seconds"])


def markdown(result: dict) -> str:
    porter, hipify = result["porter"], result["hipify"]
    lines = ["# Throughput on HeCBench's CUDA sources: porter port vs hipify-perl", "",
             f"Command: `{result['command']}`  ",
             f"Machine: {result['machine']}, {result['cpus']} CPUs; jobs {result['jobs']}; best of {result['repeat']}.",
             "", "| tool | source files | seconds | files/s | failed files |", "|---|---:|---:|---:|---:|",
             f"| porter port --to hip -j {result['jobs']} | {porter['sources']} | {porter['seconds']:.1f} | "
             f"{porter['sources'] / porter['seconds']:.1f} | {len(porter['failed'])} |",
             f"| hipify-perl, {result['jobs']} processes at a time | {hipify['files']} | {hipify['seconds']:.1f} | "
             f"{hipify['files'] / hipify['seconds']:.1f} | {len(hipify['failed'])} |", "",
             f"porter is **{result['speedup']:.2f}x** hipify-perl's files/s "
             f"({porter['lines']:,} source lines translated; porter also copied "
             f"{porter['files'] - porter['sources']} other files of the tree within its time).", ""]
    if porter["failed"]:
        lines += ["Files porter failed to port:", ""] + [f"* {f}" for f in porter["failed"]] + [""]
    if hipify["failed"]:
        lines += ["Files hipify-perl exited non-zero on:", ""] + [f"* {f}" for f in hipify["failed"][:20]] + [""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--hipify", type=Path, default=DEFAULT_HIPIFY)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--programs", help="comma-separated program names (default: all)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    for needed in (args.corpus / "src", args.hipify):
        if not needed.exists():
            raise SystemExit(f"hecbench_throughput: {needed} is missing")
    programs = [p.strip() for p in args.programs.split(",")] if args.programs else None
    with tempfile.TemporaryDirectory(prefix="hecbench-throughput-") as scratch:
        tree = Path(scratch) / "tree"
        files = stage(args.corpus, tree, programs)
        porter_runs, hipify_runs = [], []
        for attempt in range(args.repeat):
            porter_runs.append(time_porter(tree, Path(scratch) / f"porter-{attempt}", args.jobs))
            hipify_runs.append(time_hipify(tree, Path(scratch) / f"hipify-{attempt}", files, args.jobs, args.hipify))
            print(f"run {attempt + 1}: porter {porter_runs[-1]['seconds']:.1f} s, "
                  f"hipify-perl {hipify_runs[-1]['seconds']:.1f} s", file=sys.stderr, flush=True)
    porter, hipify = best(porter_runs), best(hipify_runs)
    if porter["sources"] != hipify["files"]:
        raise SystemExit(f"hecbench_throughput: porter saw {porter['sources']} sources, hipify-perl {hipify['files']}")
    command = "python benchmarks/hecbench_throughput.py " + " ".join(argv if argv is not None else sys.argv[1:])
    result = {"command": command, "machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
              "jobs": args.jobs, "repeat": args.repeat, "porter": porter, "hipify": hipify,
              "speedup": (porter["sources"] / porter["seconds"]) / (hipify["files"] / hipify["seconds"])}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "throughput.json").write_text(json.dumps(result, indent=1))
    text = markdown(result)
    (args.out / "throughput.md").write_text(text)
    print(text)
    return 0 if not porter["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
