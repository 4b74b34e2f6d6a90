#!/usr/bin/env python3
"""Regenerate backends/hip/data/hipify_api.json from HIPIFY's markdown tables.

Usage: python scripts/derive_hip_api_tables.py [TABLES_DIR] [--check]
TABLES_DIR defaults to ../shared/data/hipify-tables (next to the repository). --check only
compares, exiting 1 when the committed file differs from what the tables give.
"""

from __future__ import annotations

import sys
from pathlib import Path

from porter.backends.hip.derive_tables import derive, output_path, render

DEFAULT_TABLES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hipify-tables"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    tables_dir = Path(args[0]) if args else DEFAULT_TABLES
    if not (tables_dir / "SOURCE.md").is_file():
        print(f"no HIPIFY tables at {tables_dir}", file=sys.stderr)
        return 2
    text = render(derive(tables_dir))
    target = output_path()
    if check:
        same = target.is_file() and target.read_text(encoding="utf-8") == text
        print(f"{target}: {'up to date' if same else 'differs from the tables'}")
        return 0 if same else 1
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} ({len(text.encode()):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
