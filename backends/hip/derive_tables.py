"""Derive porter's HIP API table (``data/hipify_api.json``) from HIPIFY's markdown tables.

HIPIFY (ROCm/HIPIFY, MIT) documents, for every CUDA name it knows, the HIP name (if any) and the
versions in which each side Added (A), Deprecated (D), Changed (C) or Removed (R) it, and whether
HIP's is Experimental (E). Its ``docs/tables/*_supported_by_HIP.md`` files are read here (the
``*_and_ROC`` / ``*_MIOPEN`` files only add rocBLAS/MIOpen columns porter does not target), one
row per CUDA name, into a compact JSON file that carries the source commit and HIPIFY's license.

Run ``python scripts/derive_hip_api_tables.py [TABLES_DIR]`` to regenerate; a test checks that
the committed file is what this module derives from ``../shared/data/hipify-tables``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

#: Table file name prefix -> API family (the file's own name for its API).
FAMILIES = (
    ("CUDA_Runtime_API", "runtime"),
    ("CUDA_Driver_API", "driver"),
    ("CUDA_Device_API", "device"),
    ("CUDA_RTC_API", "nvrtc"),
    ("CUBLAS_API", "cublas"),
    ("CUSPARSE_API", "cusparse"),
    ("CUSOLVER_API", "cusolver"),
    ("CURAND_API", "curand"),
    ("CUFFT_API", "cufft"),
    ("CUDNN_API", "cudnn"),
    ("CUB_API", "cub"),
    ("cuComplex_API", "cucomplex"),
)
#: cuBLAS's tables hold cuBLASLt too, in sections named so.
_LT_SECTION = re.compile(r"\bBLASLt\b")

COLUMNS = ("cuda", "section", "cuda_added", "cuda_deprecated", "cuda_changed", "cuda_removed",
           "hip", "hip_added", "hip_deprecated", "hip_changed", "hip_removed", "hip_experimental")
_CUDA_COLUMNS = ("A", "D", "C", "R")
_HIP_COLUMNS = ("A", "D", "C", "R", "E")
_SECTION = re.compile(r"^##\s+\*\*\d+\.\s+(.*?)\*\*\s*$")
_COMMIT = re.compile(r"commit\s+([0-9a-f]{7,40})(?:,\s*([0-9-]+))?")
FORMAT = 1


class TableFormatError(ValueError):
    """A table file does not have the shape this parser expects."""


def table_files(tables_dir: Path) -> list[tuple[str, Path]]:
    found = []
    for prefix, family in FAMILIES:
        matches = sorted(tables_dir.glob(f"{prefix}*_supported_by_HIP.md"))
        if len(matches) != 1:
            raise TableFormatError(f"expected one {prefix}*_supported_by_HIP.md in {tables_dir}, found "
                                   f"{len(matches)}")
        found.append((family, matches[0]))
    return found


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _header_layout(cells: list[str], path: Path) -> tuple[int, int]:
    """Indexes of the CUDA and HIP name columns; their version columns follow them."""
    names = [cell.strip("*") for cell in cells]
    if names[0] != "CUDA" or "HIP" not in names:
        raise TableFormatError(f"{path.name}: unexpected table header {cells}")
    hip = names.index("HIP")
    if tuple(names[1:5]) != _CUDA_COLUMNS or tuple(names[hip + 1: hip + 6]) != _HIP_COLUMNS:
        raise TableFormatError(f"{path.name}: unexpected version columns in {cells}")
    return 0, hip


def parse_file(family: str, path: Path, sections: list[str], rows: dict[str, list]) -> None:
    section = None
    layout = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        heading = _SECTION.match(line)
        if heading:
            title = heading.group(1).strip()
            sub = "cublaslt" if family == "cublas" and _LT_SECTION.search(title) else family
            section = f"{sub}: {title}"
            if section not in sections:
                sections.append(section)
            layout = None
            continue
        if not line.startswith("|"):
            continue
        cells = _cells(line)
        if cells[0].startswith("**"):
            layout = _header_layout(cells, path)
            continue
        if cells[0].startswith(":-") or layout is None:
            continue
        if section is None:
            raise TableFormatError(f"{path.name}:{number}: a table row before any section heading")
        cuda_at, hip_at = layout
        name = cells[cuda_at].strip("`")
        hip_name = cells[hip_at].strip("`")
        row = [name, sections.index(section), *cells[cuda_at + 1: cuda_at + 5], hip_name,
               *cells[hip_at + 1: hip_at + 6]]
        if len(row) != len(COLUMNS) or not re.fullmatch(r"[A-Za-z_][\w:]*", name):
            raise TableFormatError(f"{path.name}:{number}: cannot read row {line!r}")
        previous = rows.get(name)
        # A name listed twice (e.g. a type in two sections) keeps the row that gives a HIP name.
        if previous is None or (not previous[6] and hip_name):
            rows[name] = row


def source_of(tables_dir: Path) -> dict[str, str]:
    text = (tables_dir / "SOURCE.md").read_text(encoding="utf-8")
    match = _COMMIT.search(text)
    if match is None:
        raise TableFormatError(f"{tables_dir / 'SOURCE.md'} does not name the source commit")
    return {"repository": "https://github.com/ROCm/HIPIFY", "path": "docs/tables",
            "commit": match.group(1), "date": match.group(2) or ""}


def derive(tables_dir: Path) -> dict:
    sections: list[str] = []
    rows: dict[str, list] = {}
    for family, path in table_files(tables_dir):
        parse_file(family, path, sections, rows)
    return {
        "format": FORMAT,
        "about": "CUDA -> HIP API names and versions, derived from HIPIFY's docs/tables by "
                 "backends/hip/derive_tables.py (scripts/derive_hip_api_tables.py); do not edit by hand",
        "source": source_of(tables_dir),
        "license": (tables_dir / "LICENSE.txt").read_text(encoding="utf-8"),
        "columns": list(COLUMNS),
        "sections": sections,
        "rows": sorted(rows.values()),
    }


def render(data: dict) -> str:
    """JSON with one table row per line (compact, and diffs stay readable)."""
    head = {key: value for key, value in data.items() if key != "rows"}
    lines = json.dumps(head, indent=1, ensure_ascii=False)[:-2]
    rows = ",\n".join(json.dumps(row, separators=(",", ":"), ensure_ascii=False) for row in data["rows"])
    return f'{lines},\n "rows": [\n{rows}\n]\n}}\n'


def output_path() -> Path:
    return Path(__file__).parent / "data" / "hipify_api.json"
