"""Port the hecbench-dev programs that use HIP device-side gap constructs and compile them with hipcc.

The constructs: cooperative-groups reductions, warp `*_sync` built-ins, SIMD video intrinsics,
cache-hint loads and stores, half/bf16 math. Each program (`src/<name>-cuda`) that uses one is
ported with `porter port --to hip --hip-version 5.2`, then every source its Makefile names is
compiled with `HIP_PLATFORM=amd hipcc --offload-arch=gfx90a -x hip -std=c++17 -c`, with the ported program folder,
its ported sibling folders (`-I../x-cuda`) and the ported `src/include` on the include path.

    python benchmarks/hip_device_gaps.py [--out DIR] [--json FILE] [PROGRAM ...]

Needs ../shared/corpora/hecbench-dev and hipcc; prints one line per program and a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "hecbench-dev" / "src"
CONSTRUCTS = re.compile(
    r"cooperative_groups/reduce\.h|cg::reduce|cooperative_groups::reduce"
    r"|__(shfl|shfl_xor|shfl_up|shfl_down|ballot|any|all)_sync"
    r"|__v(abs|absdiff|absss|add|addss|addus|avg|cmp|hadd|max|min|neg|negss|sad|set|sub|subss|subus)[a-z]*[24]\b"
    r"|__(ldcs|ldcg|ldca|ldlu|ldcv|stcs|stwb|stcg|stwt)\b"
    r"|\b(hsqrt|hexp|hrsqrt|hlog|hrcp|h2sqrt|h2exp|__hmax|__hmin)\b|__nv_bfloat162")
SUFFIXES = (".cu", ".cuh", ".h", ".hpp")
SIBLING = re.compile(r"-I\s*\.\./([\w.+-]+)")


def programs_using_constructs() -> list[str]:
    found = []
    for folder in sorted(CORPUS.glob("*-cuda")):
        if any(p.suffix in SUFFIXES and CONSTRUCTS.search(p.read_text(errors="replace"))
               for p in folder.rglob("*") if p.is_file()):
            found.append(folder.name)
    return found


def makefile_sources(folder: Path) -> tuple[list[str], list[str]]:
    makefile = folder / "Makefile"
    text = makefile.read_text(errors="replace") if makefile.exists() else ""
    match = re.search(r"^source\s*=\s*(.+)$", text, re.M)
    sources = match.group(1).split() if match else [p.name for p in folder.glob("*.cu")]
    return [s for s in sources if s.endswith(".cu")], sorted(set(SIBLING.findall(text)))


def port(src: Path, out: Path, hip_version: str) -> None:
    subprocess.run([sys.executable, "-m", "porter", "port", str(src), "--to", "hip", "--out", str(out),
                    "--hip-version", hip_version, "-j", "1", "--force"],
                   check=False, capture_output=True, text=True)


def compile_one(ported: Path, source: str, includes: list[Path], arch: str) -> tuple[bool, str]:
    command = ["hipcc", f"--offload-arch={arch}", "-x", "hip", "-std=c++17", "-c", source, "-o", "/dev/null",
               *[f"-I{i}" for i in includes]]
    done = subprocess.run(command, cwd=ported, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "HIP_PLATFORM": "amd"}, stdin=subprocess.DEVNULL)
    first = next((line for line in done.stderr.splitlines() if "error" in line), "")
    return done.returncode == 0, first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("programs", nargs="*")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--hip-version", default="5.2")
    parser.add_argument("--arch", default="gfx90a")
    parser.add_argument("-j", "--jobs", type=int, default=2)
    args = parser.parse_args()
    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}", file=sys.stderr)
        return 2
    names = args.programs or programs_using_constructs()
    out = args.out or Path(tempfile.mkdtemp(prefix="porter-gaps-"))
    port(CORPUS / "include", out / "include", args.hip_version)

    def one(name: str) -> dict:
        folder = CORPUS / name
        sources, siblings = makefile_sources(folder)
        for sibling in siblings:
            if sibling != "include" and (CORPUS / sibling).is_dir() and not (out / sibling).exists():
                port(CORPUS / sibling, out / sibling, args.hip_version)
        port(folder, out / name, args.hip_version)
        includes = [out / name, out / "include", *[out / s for s in siblings]]
        files = {}
        for source in sources:
            ok, first = compile_one(out / name, source, includes, args.arch)
            files[source] = {"ok": ok, "first_error": first}
        return {"program": name, "ok": all(f["ok"] for f in files.values()), "files": files}

    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(one, names))
    for r in results:
        failed = [f"{s}: {f['first_error'][:160]}" for s, f in r["files"].items() if not f["ok"]]
        print(f"{'ok  ' if r['ok'] else 'FAIL'} {r['program']}" + ("".join(f"\n     {x}" for x in failed)))
    files = [f for r in results for f in r["files"].values()]
    print(f"programs: {sum(r['ok'] for r in results)}/{len(results)} compile; "
          f"files: {sum(f['ok'] for f in files)}/{len(files)} compile "
          f"(hipcc --offload-arch={args.arch}, porter --hip-version {args.hip_version})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
