"""Copy the programs scripts/gpu_capture_evidence.sh captures into .capture-src/ (git-ignored).

The GPU machine has no ../shared; this copies each program's folder of scripts/capture_programs.toml
(and hecbench-dev's shared src/include) from ../shared/corpora/hecbench-dev/src, so that the folder
can travel with the working tree. Usage: python scripts/capture_sources.py [CORPUS_SRC]
"""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEST = ROOT / ".capture-src"


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "corpora" / "hecbench-dev" / "src"
    if not source.is_dir():
        print(f"no hecbench-dev sources at {source}", file=sys.stderr)
        return 2
    programs = tomllib.loads((ROOT / "scripts" / "capture_programs.toml").read_text())["program"]
    shutil.rmtree(DEST, ignore_errors=True)
    for name in [p["name"] for p in programs] + ["include"]:
        if (source / name).is_dir():
            shutil.copytree(source / name, DEST / name)
            print(f"copied {name}")
        elif name != "include":
            print(f"missing {source / name}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
