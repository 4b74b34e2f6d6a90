"""What a project's compile flags change for the tile backends, on real code (HeCBench).

    python benchmarks/project_flags.py [--programs a,b | --sample N] [--jobs 2] [--out FILE.md]

For each program folder ``src/<name>-cuda`` of ../shared/corpora/hecbench-dev, the Makefile's
sources and -I/-D/-std flags are read by :func:`hecbench_build.read_build` (make_vars.MakeReader:
see its limits — no `include` of other makefiles, no $(shell), environment variables such as
EXTRA_CFLAGS empty, conditionals taken with their defaults, so `-DDEBUG` behind `ifeq
($(DEBUG),yes)` is not used). Each of the program's .cu sources is ported to triton, pallas and
nki twice: as ``porter translate FILE`` does without flags, and with the Makefile's flags as a
:class:`porter.project.ProjectContext`. Per backend and run the table gives kernels found,
kernels emitted, internal errors (kernels whose verdict is an internal error: P0014, P0016,
P0060, plus exceptions out of porter.translate), files with P0050 (an include not found), and
kernels missing from the output with no diagnostic naming why (should be 0).

``--sample N`` takes the first N programs (by name) whose Makefile has -I or -D flags; without
it and without --programs, every program is ported (about 12 minutes at -j 2 on 2 cores: the three
targets of a file share its IR build, backends.tile.shared_front). A P0050 whose hint says the -I
folder does not exist is counted apart: the Makefile names a folder this copy of the corpus lacks
(e.g. ../bfs-sycl). The report ends with each exception, internal error and undiagnosed missing
kernel, by program, file and line.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hecbench_build import read_build  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "hecbench-dev"
TARGETS = ("triton", "pallas", "nki")
RUNS = ("no flags", "Makefile flags")


def program_flags(program: Path):
    """(the .cu sources, the ProjectContext of the Makefile's flags, the flag words) or None."""
    from porter.project import ProjectContext

    build = read_build(program)
    if build is None:
        return None
    sources = [build.folder / s for s in build.sources if s.endswith(".cu") and (build.folder / s).is_file()]
    if not sources:
        sources = sorted(program.glob("*.cu"))
    context = ProjectContext.from_arguments(build.flags, build.folder)
    return sources, context, build.flags


def port_program(program: str) -> dict:
    """Counts for one program: {(run, target): Counter}."""
    import porter
    from porter.result import INTERNAL_ERROR, PORTED

    found = program_flags(CORPUS / "src" / program)
    counts: dict[str, Counter] = {}
    problems: list[str] = []  # each exception, internal error and undiagnosed missing kernel, named
    if found is None:
        return {"program": program, "counts": counts, "flags": None, "problems": problems}
    sources, context, flags = found
    for run in RUNS:
        for source in sources:  # the three targets of one file in a row: they share its IR (backends.tile)
            for target in TARGETS:
                tally = counts.setdefault(f"{run}|{target}", Counter())
                tally["files"] += 1
                try:
                    result = porter.translate(source, target, project=context if run != RUNS[0] else None)
                except Exception as error:  # noqa: BLE001 - counted, named in the report
                    tally["exceptions"] += 1
                    tally[f"exception {type(error).__name__}"] += 1
                    problems.append(f"{run}, {target}: {source.name}: exception {type(error).__name__}: "
                                    f"{str(error)[:160]}")
                    continue
                missing = [d for d in result.diagnostics if d.id == "P0050"]
                tally["files with P0050"] += bool(missing)
                # the include folder the Makefile names is not in this copy of the corpus (e.g. ../x-sycl)
                tally["P0050, -I folder absent"] += bool(missing) and all("does not exist" in (d.hint or "")
                                                                          for d in missing)
                for kernel in result.kernels:
                    tally["kernels"] += 1
                    tally["emitted"] += kernel.verdict == PORTED
                    tally["internal errors"] += kernel.verdict == INTERNAL_ERROR
                    tally["missing without diagnostic"] += kernel.verdict != PORTED and not kernel.diagnostics
                    if kernel.verdict == INTERNAL_ERROR or (kernel.verdict != PORTED and not kernel.diagnostics):
                        why = [f"{d.id} {d.message[:160]}" for d in result.diagnostics
                               if d.id in kernel.diagnostics or d.id in ("P0014", "P0016", "P0060")][:1]
                        problems.append(f"{run}, {target}: {source.name}:{kernel.line} kernel {kernel.name}: "
                                        f"{kernel.verdict} {'; '.join(why) or '(no diagnostic)'}")
    return {"program": program, "counts": {k: dict(v) for k, v in counts.items()}, "flags": list(flags),
            "problems": problems}


def choose(programs: str | None, sample: int | None) -> list[str]:
    every = sorted(p.name for p in (CORPUS / "src").glob("*-cuda") if p.is_dir())
    if programs:
        return [p if p.endswith("-cuda") else f"{p}-cuda" for p in programs.split(",")]
    if sample is None:
        return every
    chosen = []
    for name in every:
        found = program_flags(CORPUS / "src" / name)
        if found is not None and any(f.startswith(("-I", "-D")) for f in found[2]):
            chosen.append(name)
        if len(chosen) == sample:
            break
    return chosen


def table(results: list[dict]) -> str:
    total: dict[str, Counter] = {}
    for item in results:
        for key, counts in item["counts"].items():
            total.setdefault(key, Counter()).update(counts)
    lines = ["| run | backend | files | kernels found | kernels emitted | internal errors | exceptions | "
             "files with P0050 | of them: the -I folder is absent | missing kernels without a diagnostic |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for run in RUNS:
        for target in TARGETS:
            c = total.get(f"{run}|{target}", Counter())
            lines.append(f"| {run} | {target} | {c['files']} | {c['kernels']} | {c['emitted']} | "
                         f"{c['internal errors']} | {c['exceptions']} | {c['files with P0050']} | {c['P0050, -I folder absent']} | "
                         f"{c['missing without diagnostic']} |")
    return "\n".join(lines)


def changed_programs(results: list[dict]) -> list[str]:
    """Programs whose emitted kernels differ between the runs, with the numbers."""
    out = []
    for item in results:
        parts = []
        for target in TARGETS:
            before = item["counts"].get(f"{RUNS[0]}|{target}", {}).get("emitted", 0)
            after = item["counts"].get(f"{RUNS[1]}|{target}", {}).get("emitted", 0)
            if before != after:
                parts.append(f"{target} {before}->{after}")
        if parts:
            out.append(f"* {item['program']} ({' '.join(item['flags'] or [])}): {', '.join(parts)}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programs", default=None, help="comma-separated program names (default: all)")
    parser.add_argument("--sample", type=int, default=None, help="the first N programs with -I/-D flags")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="also write the table (Markdown) here")
    args = parser.parse_args(argv)
    if not (CORPUS / "src").is_dir():
        print(f"no corpus at {CORPUS}; nothing to measure", file=sys.stderr)
        return 2
    programs = choose(args.programs, args.sample)
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(port_program, programs))
    seconds = time.perf_counter() - started
    command = "python benchmarks/project_flags.py " + " ".join(argv if argv is not None else sys.argv[1:])
    report = "\n".join([f"# Project flags on HeCBench: {len(programs)} programs, {seconds:.0f} s, -j {args.jobs} "
                        f"({os.cpu_count()} CPUs)", "", f"Command: `{command}`", "", table(results), "",
                        "Programs whose emitted kernels change with the Makefile's flags:", "",
                        *(changed_programs(results) or ["* none"]), "",
                        "Exceptions, internal errors and kernels missing without a diagnostic:", "",
                        *([f"* {item['program']}: {line}" for item in results for line in item.get("problems", [])]
                          or ["* none"]), ""])
    print(report)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
