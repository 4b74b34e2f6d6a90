"""Run the AMD compile gate over a tree that `porter port --to hip` wrote.

    python -m porter.backends.hip.gate OUT_DIR [--arch gfx90a --arch gfx1100]

Each ported CUDA source (.cu) is compiled with hipcc for each architecture, where it lives in
OUT_DIR: its quoted includes find the ported headers beside it first, then (through -I) the
source tree's folder of the same file, for a header the port did not write. A file whose port
carries error diagnostics (read from OUT_DIR/report.json) is listed as "needs a person", not
compiled; a file that fails on a header this machine lacks is listed with that header. Any other
failure is a silent failure of porter and makes the exit code 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from porter.backends.hip.compile_gate import compile_file, find_hipcc

COMPILED_SUFFIXES = (".cu",)


def gate_tree(out_dir: Path, arches: list[str], jobs: int = 2) -> list[tuple[str, str, str]]:
    report = json.loads((out_dir / "report.json").read_text())
    records = {r["path"]: r for r in report["files"]}
    source_dir = Path(report["source"]) if report.get("source") else None
    hipcc = find_hipcc()
    if hipcc is None:
        raise SystemExit("gate: hipcc not found (apt-get install -y hipcc libamdhip64-dev)")

    def check(item: tuple[str, str]) -> tuple[str, str, str]:
        path, arch = item
        errors = [d for d in records[path].get("diagnostics", []) if d.get("severity") == "error"]
        if errors:
            return path, arch, f"needs a person ({len(errors)} error diagnostic(s))"
        result = compile_file(out_dir / path, arch, hipcc=hipcc, include_dirs=include_dirs(out_dir, source_dir, path))
        if result.ok:
            return path, arch, "compiles"
        if result.missing_header:
            return path, arch, f"not checked: this machine lacks <{result.missing_header}>"
        return path, arch, "FAILED: " + result.first_error

    items = [(p, a) for p, r in sorted(records.items()) if p.endswith(COMPILED_SUFFIXES)
             and r.get("status") != "failed" for a in arches]
    with ThreadPoolExecutor(jobs) as pool:
        return list(pool.map(check, items))


def include_dirs(out_dir: Path, source_dir: Path | None, path: str) -> tuple[Path, ...]:
    """The output's own folder first, then the source's folder (headers the port did not write)."""
    folders = [(out_dir / path).parent.resolve()]
    if source_dir is not None and (source_dir / path).parent.is_dir():
        folders.append((source_dir / path).parent.resolve())
    return tuple(folders)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m porter.backends.hip.gate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--arch", action="append", default=None, help="gfx target (repeatable)")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    rows = gate_tree(args.out_dir, args.arch or ["gfx90a", "gfx1100"], args.jobs)
    width = max((len(p) for p, _, _ in rows), default=4)
    for path, arch, status in rows:
        print(f"{path:<{width}}  {arch:<8}  {status}")
    failed = sum(status.startswith("FAILED") for _, _, status in rows)
    compiled = sum(status == "compiles" for _, _, status in rows)
    print(f"gate: {compiled} compiled, {failed} failed silently, {len(rows) - compiled - failed} explained")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
