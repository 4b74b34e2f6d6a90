"""Translation speed of the tile backends (Triton, Pallas GPU and TPU, NKI), in source lines per second per core.

    python benchmarks/bench_tile_translate.py [--backends triton pallas-gpu pallas-tpu nki]
        [--corpus golden hecbench] [--sample N] [--seed 0] [--out FILE.md] [--profile BACKEND]

For each backend and corpus a fresh Python process (one core: porter's translation is one thread
at a time) loads the corpus's sources, then translates every file with ``porter.translate``:

* **cold** — importing porter and the backend, then the first pass (loading libclang and every
  first-use cache); "import" is the imports alone, "first file" the first translation alone.
* **warm** — a second pass over the same files in the same process.

Before each pass the tile backends' in-process IR cache is emptied
(``porter.backends.tile._IR_CACHE.clear()``), and the kept tree-sitter trees
(``porter.frontends.treesitter._parsed.clear()``), so every pass parses and builds every file's IR
again (each process ports to one backend only, so no backend sees another's IR either). What a
warm pass keeps is per process, not per file: libclang loaded, the prelude's PCH
(``porter.frontends.clang_pch``), the emitters' helper texts and their compile verdicts. Lines are
every line of every file, whatever the backend made of it (a file or kernel refused with a
diagnostic counts as translated).

Per core: lines divided by the process's CPU seconds (``time.process_time``, all its threads), which
the other load of a shared machine changes less than wall time; wall-clock lines/s is printed
beside it. The corpora: the golden kernels (``golden/kernels/*.cu``, with each spec's template
instances) and ``../shared/corpora/hecbench-dev`` (every ``*.cu`` under ``src/``, or a seeded
sample of ``--sample N`` of them). The target is 3,000 lines/s per core for every backend.
``--profile BACKEND`` prints a cProfile (cumulative time; ``PORTER_PROFILE_SORT=tottime`` for
time in each function) of a warm pass instead (run on the main
thread, since cProfile follows one thread, rather than on porter's deep-stack thread).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HECBENCH = ROOT.parent / "shared" / "corpora" / "hecbench-dev"
TARGET_LINES_PER_CORE = 3_000
BACKENDS = {"triton": ("triton", {}), "pallas-gpu": ("pallas", {"flavor": "gpu"}),
            "pallas-tpu": ("pallas", {"flavor": "tpu"}), "nki": ("nki", {})}


def corpus_files(corpus: str, sample: int | None, seed: int,
                 hecbench: Path = HECBENCH) -> list[tuple[str, tuple[str, ...]]]:
    """(path, template instances) of each file of ``corpus``."""
    if corpus == "golden":
        from porter.golden.spec import load_spec

        specs = [load_spec(path) for path in sorted((ROOT / "golden" / "kernels").glob("*.toml"))]
        return [(str(spec.source), tuple(spec.instances)) for spec in specs]
    if not hecbench.is_dir():
        raise SystemExit(f"{hecbench} is missing (the hecbench-dev corpus lives in ../shared)")
    files = sorted(str(path) for path in (hecbench / "src").rglob("*.cu") if path.is_file())
    if sample is not None and sample < len(files):
        files = sorted(random.Random(seed).sample(files, sample))
    return [(path, ()) for path in files]


def worker(backend: str, corpus: str, sample: int | None, seed: int, hecbench: Path, profile: bool) -> dict:
    """Two timed passes of ``backend`` over the corpus in this process (see the module's docstring)."""
    wall, cpu = time.perf_counter(), time.process_time()
    import porter
    from porter.backends import tile
    from porter.backends.base import get_backend
    from porter.frontends import treesitter
    from porter.source import read_source_file

    target, options = BACKENDS[backend]
    get_backend(target)  # imports the backend's modules
    import_wall, import_cpu = time.perf_counter() - wall, time.process_time() - cpu
    sources = []
    for path, instances in corpus_files(corpus, sample, seed, hecbench):
        try:
            sources.append((read_source_file(Path(path)), instances))
        except porter.InputError:
            continue  # not text porter reads (reported by porter itself; no lines to translate)
    lines = sum(source.line_count for source, _ in sources)

    def one_pass() -> tuple[float, float, float, int]:
        tile._IR_CACHE.clear()
        treesitter._parsed.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        first, failures = None, 0
        for source, instances in sources:
            try:
                porter.translate(source, target, instantiate=instances, **options)
            except Exception:  # noqa: BLE001 - counted: porter must give diagnostics, never raise
                failures += 1
            if first is None:
                first = time.perf_counter() - wall
        return time.perf_counter() - wall, time.process_time() - cpu, first or 0.0, failures

    cold_wall, cold_cpu, first, failures = one_pass()
    if profile:
        import cProfile
        import pstats

        from porter import limits

        # cProfile follows one thread: translate on this one, not on run_deep's deep-stack thread
        limits._state.deep = True
        limits._enter()  # run_deep's raised recursion limit
        profiler = cProfile.Profile()
        profiler.enable()
        one_pass()
        profiler.disable()
        limits._leave()
        limits._state.deep = False
        order = os.environ.get("PORTER_PROFILE_SORT", "cumulative")  # or tottime
        pstats.Stats(profiler, stream=sys.stderr).sort_stats(order).print_stats(60)
    warm_wall, warm_cpu, _, _ = one_pass()
    return {"backend": backend, "files": len(sources), "lines": lines, "failures": failures, "first": first,
            "import": import_cpu, "cold_wall": cold_wall + import_wall, "cold_cpu": cold_cpu + import_cpu,
            "warm_wall": warm_wall, "warm_cpu": warm_cpu}


def measure(backend: str, corpus: str, sample: int | None, seed: int, hecbench: Path, profile: bool = False) -> dict:
    """One fresh process's row for ``backend`` on ``corpus``."""
    command = [sys.executable, __file__, "--worker", backend, "--corpus", corpus, "--seed", str(seed),
               "--hecbench", str(hecbench)]
    if sample is not None:
        command += ["--sample", str(sample)]
    if profile:
        command.append("--profile-worker")
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode:
        raise SystemExit(f"{backend} on {corpus} failed:\n{done.stderr[-4000:]}")
    if profile:
        print(done.stderr)
    row = json.loads(done.stdout.strip().splitlines()[-1])
    row["corpus"] = corpus if sample is None or corpus == "golden" else f"{corpus} (sample {sample}, seed {seed})"
    return row


def table(rows: list[dict]) -> str:
    header = (f"| backend | corpus | files | lines | cold s (CPU) | cold lines/s/core | warm s (CPU) | "
              f"warm lines/s/core | warm lines/s (wall) | import s (CPU) | first file s | exceptions |")
    out = [header, "|" + "---|" * header.count(" | ") + "---|"]
    for r in rows:
        out.append(f"| {r['backend']} | {r['corpus']} | {r['files']} | {r['lines']:,} | {r['cold_cpu']:.2f} | "
                   f"{r['lines'] / r['cold_cpu']:,.0f} | {r['warm_cpu']:.2f} | {r['lines'] / r['warm_cpu']:,.0f} | "
                   f"{r['lines'] / r['warm_wall']:,.0f} | {r['import']:.2f} | {r['first']:.2f} | {r['failures']} |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", choices=list(BACKENDS), default=list(BACKENDS))
    parser.add_argument("--corpus", nargs="+", choices=["golden", "hecbench"], default=["golden", "hecbench"])
    parser.add_argument("--sample", type=int, help="a seeded sample of this many hecbench-dev files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hecbench", type=Path, default=HECBENCH, help="the hecbench-dev corpus's folder")
    parser.add_argument("--out", type=Path, help="also write the table (markdown) here")
    parser.add_argument("--profile", choices=list(BACKENDS), help="cProfile a warm pass of this backend")
    parser.add_argument("--worker", choices=list(BACKENDS), help=argparse.SUPPRESS)
    parser.add_argument("--profile-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        row = worker(args.worker, args.corpus[0], args.sample, args.seed, args.hecbench, args.profile_worker)
        print(json.dumps(row))
        return
    if args.profile:
        for corpus in args.corpus:
            measure(args.profile, corpus, args.sample, args.seed, args.hecbench, profile=True)
        return
    rows = [measure(backend, corpus, args.sample, args.seed, args.hecbench)
            for corpus in args.corpus for backend in args.backends]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    text = (f"porter.translate per file, one process per row, {os.cpu_count()} CPUs, load average {load:.2f} "
            f"at the end\n\n{table(rows)}\n")
    slowest = min(r["lines"] / r["warm_cpu"] for r in rows)
    verdict = "meets" if slowest >= TARGET_LINES_PER_CORE else "is below"
    text += f"\nslowest warm {slowest:,.0f} lines/s per core {verdict} the target of {TARGET_LINES_PER_CORE:,}\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(f"`python benchmarks/bench_tile_translate.py {' '.join(sys.argv[1:])}`\n\n{text}")


if __name__ == "__main__":
    main()
