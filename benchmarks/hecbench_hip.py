"""Does porter's HIP port of real programs compile? HeCBench's CUDA programs, ported and compiled with hipcc.

    python benchmarks/hecbench_hip.py [--sample N --seed S | --programs a,b] [-j 2] [--timeout 300]
                                      [--no-human] --out DIR

For each program of ../shared/corpora/hecbench-dev (``src/<name>-cuda``): port its CUDA folder, and
the corpus folders it includes from (its Makefile's -I../x-cuda, ../include, and quoted
``#include "../x-cuda/..."``), with porter's HIP backend (``--hip-version auto --offload-arch
gfx90a``; the library call of ``porter port``, one worker process per program); then compile the
port's sources with hipcc for gfx90a, as its Makefile names them (hecbench_build.py: -c to object
files at -O0, nothing linked, so no library has to be present to link), and classify it:

* compiled: every source compiles;
* failed-with-diagnostic: the first compiler error of every failing source is explained by porter:
  an error diagnostic on that file and line, or a missing header of a HIP library that porter
  named (P0231/P0232 mention it);
* failed-missing-input: the first unexplained error is a header the corpus or this machine lacks,
  that porter did not introduce: the CUDA program includes it by the same name, or the
  hand-written HIP port fails on the same header, or it lies in a folder the corpus lacks;
* failed-silently: anything else: the compiler rejects output porter called fine;
* port-failed: porter crashed on some file (an internal error, or it raised): always a porter bug.
  A file porter refuses with an error diagnostic (e.g. P0006, not UTF-8) is not a crash: the
  program is compiled, and a missing header that is such a file counts as explained;
* timed-out, no-build (no Makefile naming an existing source).

The suite's hand-written HIP ports (``src/<name>-hip``) are compiled the same way, as the ceiling.
Writes DIR/results.json (every program, with its errors) and DIR/results.md (the tables and the
failed-silently causes, grouped by the compiler's first error message). Each program's entry is
also appended to DIR/results.jsonl as soon as it is done, so a partial run is usable; with
``--resume`` the programs already in it are not run again (the last line of a program wins, so
``--programs a,b --resume-redo`` re-runs a few and replaces their entries), and the tables cover
every program of the journal.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hecbench_build import Build, CompileError, compile_program, read_build  # noqa: E402

REPOSITORY = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPOSITORY.parent / "shared" / "corpora" / "hecbench-dev"
PORTER_CLASSES = ("compiled", "failed-with-diagnostic", "failed-missing-input", "failed-silently", "port-failed",
                  "timed-out", "no-build")
HUMAN_CLASSES = ("compiled", "failed", "timed-out", "no-build")
_QUOTED_SIBLING = re.compile(rb'#\s*include\s*"\.\./([^"/]+)/')
#: diagnostics that name a HIP library the port needs (P0231/P0232) or whose API needs a newer HIP (P0280)
_LIBRARY_DIAGNOSTICS = ("P0231", "P0232", "P0280")
_SOURCE_SUFFIXES = (".cu", ".cuh", ".h", ".hpp", ".cpp", ".c", ".cc", ".cxx", ".inl")
_INTERNAL_ERRORS = {"P0014", "P0016"}  # porter's own failures (see porter/diagnostic_catalogue.toml)
#: Errors of the compiler's back end, which name no source line, and the porter error diagnostic
#: (anywhere in the program) that explains each.
_BACKEND_ERRORS = {"requested image instruction is not supported on this GPU": "P0272"}
#: porter error diagnostics that say the whole file was left as it was: they explain every error in it.
_WHOLE_FILE_ERRORS = {"P0102"}


def list_programs(corpus: Path) -> list[str]:
    return sorted(p.name[:-len("-cuda")] for p in (corpus / "src").glob("*-cuda") if p.is_dir())


def choose(programs: list[str], sample: int | None, seed: int, names: str | None) -> list[str]:
    if names:
        chosen = [n.strip() for n in names.split(",") if n.strip()]
        unknown = sorted(set(chosen) - set(programs))
        if unknown:
            raise SystemExit(f"hecbench_hip: no such program(s): {', '.join(unknown)}")
        return chosen
    if sample is not None and sample < len(programs):
        return sorted(random.Random(seed).sample(programs, sample))
    return programs


# --- one program --------------------------------------------------------------------------------
def run_program(name: str, corpus: Path, work: Path, timeout: float, human: bool) -> dict:
    """Port and compile one program (in a worker process); every outcome is returned as data."""
    started = time.perf_counter()
    src = corpus / "src"
    entry: dict = {"program": name}
    try:
        entry["porter"] = _porter_side(name, src, work / name, timeout)
    except Exception as error:  # porter raised: recorded, never hidden
        entry["porter"] = {"class": "port-failed", "reason": f"porter raised {type(error).__name__}: {error}"}
    if human:
        entry["human"] = _human_side(name, src, timeout)
    entry["seconds"] = round(time.perf_counter() - started, 2)
    return entry


def _porter_side(name: str, src: Path, work: Path, timeout: float) -> dict:
    from porter.port import port_tree

    program = src / f"{name}-cuda"
    build = read_build(program)
    if build is None:
        return {"class": "no-build", "reason": "no Makefile that names an existing source"}
    folders = [program.name, *dependency_folders(program, build, src)]
    missing = [f for f in folders if not (src / f).is_dir()]
    diagnostics: list[dict] = []
    failed_files: list[str] = []  # porter crashed on them (an internal error)
    refused: list[str] = []       # porter refused them with an error diagnostic (e.g. P0006 not UTF-8)
    port_seconds = 0.0
    for folder in folders:
        if folder in missing:
            continue
        begun = time.perf_counter()
        port_tree(src / folder, work / "src" / folder, "hip", jobs=1, hip_version="auto", offload_arch="gfx90a")
        port_seconds += time.perf_counter() - begun
        report = json.loads((work / "src" / folder / "report.json").read_text())
        for record in report["files"]:
            ids = {d["id"] for d in record.get("diagnostics", [])}
            if record["status"] == "failed" and (ids & _INTERNAL_ERRORS or not ids):
                failed_files.append(f"{folder}/{record['path']}: {record.get('reason')}")
            elif record["status"] == "failed":
                refused.append(f"{folder}/{record['path']}")
            for diagnostic in record.get("diagnostics", []):
                diagnostics.append({**diagnostic, "path": f"{folder}/{record['path']}"})
    errors = [d for d in diagnostics if d["severity"] == "error"]
    side = {"folders": folders, "absent_folders": missing, "port_seconds": round(port_seconds, 3),
            "sources": list(build.sources), "flags": list(build.flags), "sources_from": build.how,
            "porter_errors": len(errors), "porter_error_ids": dict(Counter(d["id"] for d in errors)), "refused_files": refused}
    if failed_files:
        return {**side, "class": "port-failed", "reason": "; ".join(failed_files)}
    ported = Build(work / "src" / build.folder.relative_to(src), build.sources, build.flags, build.how,
                   cuda_cpp=build.cuda_cpp)
    result = compile_program(ported, _hipcc(), timeout, host_cpp=True)  # .cpp files are host C++, as nvcc's
    side.update(compile_seconds=round(result.seconds, 2), failed_sources=result.failed_sources,
                first_errors=[_error_json(e, ported.folder, work / "src") for e in result.first_errors])
    for error in side["first_errors"]:  # porter's diagnostics name lines of the CUDA source
        error["source_lines"] = source_lines(work / "src" / error["file"], src / error["file"], error["line"])
        for site in error["macros"]:
            site["source_lines"] = source_lines(work / "src" / site["file"], src / site["file"], site["line"])
    if result.ok:
        return {**side, "class": "compiled"}
    if result.timed_out:
        return {**side, "class": "timed-out"}
    side["unexplained"] = [e for e in side["first_errors"] if not explained(e, diagnostics, refused)]
    if not side["unexplained"]:
        return {**side, "class": "failed-with-diagnostic"}
    header = side["unexplained"][0]["missing_header"]
    if header and _in_original(header, [src / f for f in folders if f not in missing]):
        return {**side, "class": "failed-missing-input", "reason": f"the CUDA source includes {header} too"}
    return {**side, "class": "pending-missing-input" if header else "failed-silently"}


def _in_original(header: str, folders: list[Path]) -> bool:
    """Does the CUDA program itself include this header (so that porter did not introduce it)?"""
    needle = re.compile(rb'#\s*include\s*[<"]' + re.escape(header.encode()) + rb'[>"]')
    return any(needle.search(path.read_bytes()) for folder in folders for path in folder.rglob("*")
               if path.is_file() and path.suffix in _SOURCE_SUFFIXES)


def _human_side(name: str, src: Path, timeout: float) -> dict:
    program = src / f"{name}-hip"
    build = read_build(program) if program.is_dir() else None
    if build is None:
        return {"class": "no-build"}
    result = compile_program(build, _hipcc(), timeout)
    side = {"compile_seconds": round(result.seconds, 2), "sources": list(build.sources),
            "first_errors": [_error_json(e, build.folder, src) for e in result.first_errors]}
    return {**side, "class": "compiled" if result.ok else "timed-out" if result.timed_out else "failed"}


def dependency_folders(program: Path, build: Build, src: Path) -> list[str]:
    """Top-level corpus folders the program reads headers from: -I paths and quoted ../x/ includes."""
    found: list[str] = []
    for include in build.include_dirs():
        target = os.path.normpath(build.folder / include)
        relative = os.path.relpath(target, src)
        if not relative.startswith(".."):
            found.append(relative.split(os.sep)[0])
    for path in program.rglob("*"):
        if path.suffix in _SOURCE_SUFFIXES and path.is_file():
            for match in _QUOTED_SIBLING.finditer(path.read_bytes()):
                target = os.path.normpath(path.parent / ".." / match.group(1).decode(errors="replace"))
                relative = os.path.relpath(target, src)
                if not relative.startswith("..") and relative != ".":
                    found.append(relative.split(os.sep)[0])
    return [f for f in dict.fromkeys(found) if f != program.name]


def explained(error: dict, diagnostics: list[dict], refused: list[str] = ()) -> bool:
    """Does a porter diagnostic explain this compiler error? An error diagnostic on its line, a
    library porter named as needed or too new (P0231/P0232/P0280) whose header is the one missing, or a missing
    header that is a file porter refused with an error diagnostic. The line may also be that of a
    macro the error's code expands from (the compiler's "expanded from macro" notes). A back-end error without a line
    (_BACKEND_ERRORS) is explained by its porter error diagnostic anywhere in the program; any
    error in a file porter left untranslated with an error (_WHOLE_FILE_ERRORS) is explained."""
    sites = [(error["file"], set(error.get("source_lines", [error["line"]])))] + \
        [(m["file"], set(m.get("source_lines", [m["line"]]))) for m in error.get("macros", [])]
    for diagnostic in diagnostics:
        if diagnostic["severity"] != "error":
            continue
        for path, lines in sites:
            if diagnostic["path"] == path and (diagnostic["line"] in lines or diagnostic["id"] in _WHOLE_FILE_ERRORS):
                return True
    for message, diagnostic_id in _BACKEND_ERRORS.items():
        if error["line"] == 0 and message in error["message"]:
            return any(d["severity"] == "error" and d["id"] == diagnostic_id for d in diagnostics)
    header = error["missing_header"]
    if header and os.path.basename(header) in {os.path.basename(f) for f in refused}:
        return True
    if header:
        library = header.split("/")[0].split(".")[0].lower()
        return any(d["id"] in _LIBRARY_DIAGNOSTICS and library in d["message"].lower() for d in diagnostics)
    return False


def source_lines(ported: Path, original: Path, line: int) -> list[int]:
    """The lines of the CUDA source that line ``line`` of its port comes from (porter's edits add
    and remove lines, e.g. helpers after the runtime include): the same line where the texts
    match, every line of the block where porter rewrote a block, none for a line porter added."""
    if line <= 0 or not ported.is_file() or not original.is_file():
        return [line]
    before = original.read_text(errors="replace").splitlines()
    after = ported.read_text(errors="replace").splitlines()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if j1 < line <= j2:
            if tag == "equal":
                return [i1 + line - j1]
            return list(range(i1 + 1, i2 + 1))
    return [line]


def _error_json(error: CompileError, folder: Path, root: Path) -> dict:
    absolute = os.path.normpath(folder / error.file)
    relative = os.path.relpath(absolute, root)
    macros = []
    for file, line in error.macros:
        where = os.path.relpath(os.path.normpath(folder / file), root)
        macros.append({"file": where if not where.startswith("..") else os.path.normpath(folder / file), "line": line})
    return {"file": relative if not relative.startswith("..") else absolute, "line": error.line, "col": error.col,
            "message": error.message, "missing_header": error.missing_header, "macros": macros}


def _hipcc() -> str:
    from porter.backends.hip.compile_gate import find_hipcc

    found = find_hipcc()
    if found is None:
        raise RuntimeError("hipcc not found (Debian: apt-get install -y hipcc libamdhip64-dev)")
    return found


def settle_missing_input(entry: dict) -> None:
    """A missing header that porter did not name: the corpus's or this machine's gap when the
    hand-written port misses the same header, or the header's folder is not in the corpus."""
    side = entry["porter"]
    if side["class"] != "pending-missing-input":
        return
    header = side["unexplained"][0]["missing_header"]
    human_headers = {e.get("missing_header") for e in entry.get("human", {}).get("first_errors", [])}
    absent_folder = bool(side.get("absent_folders")) and any(f in header for f in side["absent_folders"])
    same_in_human = os.path.basename(header) in {os.path.basename(h) for h in human_headers if h}
    side["class"] = "failed-missing-input" if same_in_human or absent_folder else "failed-silently"



# --- the run ------------------------------------------------------------------------------------
def run_all(programs: list[str], corpus: Path, jobs: int, timeout: float, human: bool,
            work: Path, journal: Path | None = None, earlier: dict[str, dict] | None = None) -> list[dict]:
    """Run every program (``jobs`` at a time); each entry is appended to ``journal`` when done.
    Without ``human``, a program's hand-written side is taken from its ``earlier`` entry, if any."""
    from porter.backends.hip.compile_gate import installed_hip_version

    installed_hip_version()  # once, before forking
    entries = []
    started = time.perf_counter()
    with ProcessPoolExecutor(jobs) as pool:
        futures = {pool.submit(run_program, n, corpus, work, timeout, human): n for n in programs}
        for done, future in enumerate(as_completed(futures), 1):
            name = futures[future]
            try:
                entry = future.result()
            except Exception as error:  # a worker died: recorded as porter's failure, the run goes on
                entry = {"program": name, "porter": {"class": "port-failed", "reason": f"worker died: {error}"}}
            if not human and "human" in (earlier or {}).get(name, {}):
                entry["human"] = earlier[name]["human"]
            settle_missing_input(entry)
            entries.append(entry)
            if journal is not None:
                with journal.open("a") as stream:
                    stream.write(json.dumps(entry) + "\n")
            human_class = entry.get("human", {}).get("class", "-")
            print(f"[{done}/{len(programs)} {time.perf_counter() - started:6.0f} s] {name}: "
                  f"porter {entry['porter']['class']}, human {human_class}", file=sys.stderr, flush=True)
    return sorted(entries, key=lambda e: e["program"])


def read_journal(journal: Path) -> dict[str, dict]:
    """The entries of a results.jsonl, by program; a program's last line wins. A line cut short
    by a killed run (the last one) is skipped."""
    entries: dict[str, dict] = {}
    if journal.is_file():
        for line in journal.read_text().splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            entries[entry["program"]] = entry
    return entries


def cause_of(error: dict) -> str:
    """The error message with its quoted names blanked, so that one cause groups many programs."""
    return re.sub(r"'[^']*'", "'…'", error["message"])


def summarize(entries: list[dict]) -> dict:
    porter = Counter(e["porter"]["class"] for e in entries)
    human = Counter(e["human"]["class"] for e in entries if "human" in e)
    causes: dict[str, list[str]] = defaultdict(list)
    for entry in entries:
        if entry["porter"]["class"] == "failed-silently":
            first = entry["porter"]["unexplained"][0]
            causes[cause_of(first)].append(f"{entry['program']} ({first['file']}:{first['line']})")
    return {"programs": len(entries), "porter": {c: porter.get(c, 0) for c in PORTER_CLASSES},
            "human": {c: human.get(c, 0) for c in HUMAN_CLASSES} if human else None,
            "silent_causes": sorted(([cause, len(v), v] for cause, v in causes.items()), key=lambda c: -c[1])}


def markdown(summary: dict, entries: list[dict], command: str, seconds: float) -> str:
    lines = ["# HeCBench programs: porter's HIP port vs the hand-written HIP port, compiled with hipcc (gfx90a)",
             "", f"Command: `{command}`  ",
             f"Programs: {summary['programs']}; wall time of the last invocation {seconds:.0f} s.", "",
             "| class | porter | hand-written HIP |", "|---|---:|---:|"]
    human = summary["human"] or {}
    for cls in PORTER_CLASSES:
        human_count = human.get("compiled" if cls == "compiled" else "failed" if cls == "failed-silently"
                                else cls, "") if cls in ("compiled", "failed-silently", "timed-out", "no-build") else ""
        lines.append(f"| {cls} | {summary['porter'][cls]} | {human_count} |")
    lines += ["", "(The hand-written column has one failure class, `failed`, shown on the failed-silently row.)", "",
              "## Porter's failed-silently programs, by the compiler's first error", "",
              "| programs | first error | examples (file:line of the port) |", "|---:|---|---|"]
    for cause, count, examples in summary["silent_causes"]:
        lines.append(f"| {count} | `{cause[:150]}` | {', '.join(examples[:4])} |")
    both = [e["program"] for e in entries if e["porter"]["class"] != "compiled"
            and e.get("human", {}).get("class") == "compiled"]
    lines += ["", f"Programs the hand-written port compiles and porter's does not ({len(both)}): "
              + ", ".join(both), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sample", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--programs", help="comma-separated program names (without -cuda)")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per program and side")
    parser.add_argument("--no-human", action="store_true", help="do not compile the hand-written HIP ports "
                        "(with --resume-redo, a program keeps the hand-written result of its earlier entry)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--resume", action="store_true",
                        help="keep DIR/results.jsonl and skip the programs already in it")
    parser.add_argument("--resume-redo", action="store_true",
                        help="keep DIR/results.jsonl but run the chosen programs again (their new entries win)")
    args = parser.parse_args(argv)
    if not (args.corpus / "src").is_dir():
        raise SystemExit(f"hecbench_hip: no corpus at {args.corpus}")
    programs = choose(list_programs(args.corpus), args.sample, args.seed, args.programs)
    args.out.mkdir(parents=True, exist_ok=True)
    journal = args.out / "results.jsonl"
    if not (args.resume or args.resume_redo):
        journal.write_text("")
    done = read_journal(journal)
    if args.resume:
        programs = [p for p in programs if p not in done]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hecbench-hip-") as work:
        run_all(programs, args.corpus.resolve(), args.jobs, args.timeout, not args.no_human, Path(work), journal,
                earlier=done)
    seconds = time.perf_counter() - started
    entries = sorted(read_journal(journal).values(), key=lambda e: e["program"])
    summary = summarize(entries)
    command = "python benchmarks/hecbench_hip.py " + " ".join(argv if argv is not None else sys.argv[1:])
    (args.out / "results.json").write_text(json.dumps({"command": command, "seconds": round(seconds, 1),
                                                       "summary": summary, "programs": entries}, indent=1))
    (args.out / "results.md").write_text(markdown(summary, entries, command, seconds))
    print(json.dumps({k: summary[k] for k in ("programs", "porter", "human")}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
