"""The HIP test corpus (tests/corpus/hip) and the target configurations it is checked under."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import porter
from porter.result import TranslationResult

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "hip"
EXPECTED = CORPUS / "expected"
SUFFIXES = (".cu", ".cuh")

#: name -> translate options. The compile gate runs on the HIP 5.2 configurations (Debian's HIP).
CONFIGS = {
    "gfx90a-hip5.2": {"hip_version": "5.2", "offload_arch": "gfx90a"},
    "gfx1100-hip5.2": {"hip_version": "5.2", "offload_arch": "gfx1100"},
    "gfx942-hip6.3": {"hip_version": "6.3", "offload_arch": "gfx942"},
    "gfx90a-hip5.2-ggl": {"hip_version": "5.2", "offload_arch": "gfx90a", "launch_syntax": "ggl"},
}
GATE_CONFIGS = ("gfx90a-hip5.2", "gfx1100-hip5.2", "gfx90a-hip5.2-ggl")

_MARKER = re.compile(r"//\s*(HAZARD|SAFE64|SAFE)\(warp-size\)")


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.suffix in SUFFIXES)


@cache
def translated(name: str, config: str) -> TranslationResult:
    return porter.translate(CORPUS / name, "hip", **CONFIGS[config])


def diagnostics_text(result: TranslationResult) -> str:
    """One line per diagnostic, positions relative to the corpus file (stable across machines)."""
    lines = []
    for d in result.diagnostics:
        where = f"{d.span.line}:{d.span.col}" if d.span else "-"
        lines.append(f"{where}: {d.severity}[{d.id}]: {d.message}")
    return "\n".join(lines) + ("\n" if lines else "")


def expected_paths(name: str, config: str) -> tuple[Path, Path]:
    folder = EXPECTED / config
    return folder / (name + ".hip"), folder / (name + ".diag")


def updating() -> bool:
    return os.environ.get("PORTER_UPDATE_EXPECTED") == "1"


def markers(path: Path) -> dict[int, str]:
    """line -> 'HAZARD', 'SAFE' or 'SAFE64' for the corpus's warp-size markers ('SAFE64': right as
    written on 64-lane targets given the file's launches; 32-lane targets may rewrite it to an
    equal form)."""
    found = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = _MARKER.search(line)
        if match:
            found[number] = match.group(1)
    return found
