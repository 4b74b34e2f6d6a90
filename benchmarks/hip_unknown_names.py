"""Count the CUDA names porter's HIP backend knows no HIP equivalent for, over a corpus.

Translates every .cu file under CORPUS/src/*-cuda/ to HIP (one file at a time, no project
context) and counts P0230 diagnostics ("no HIP equivalent") and the distinct names they name;
where the suite has a hand-written HIP port of the same file (``src/<name>-hip/<same path>``), also
the share of that port's changed lines (non-blank, whitespace-stripped, as a multiset: the
port's lines less the CUDA file's) that porter's output has.

    python benchmarks/hip_unknown_names.py [CORPUS] [--hip-version 6.3] [--top 30]

CORPUS defaults to ../shared/corpora/hecbench-dev.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

import porter
from porter.source import InputError

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "hecbench-dev"
_NAME = re.compile(r"`([^`]+)`")


def _lines(text: str) -> Counter:
    return Counter(line.strip() for line in text.splitlines() if line.strip())


def measure(corpus: Path, hip_version: str) -> tuple[int, Counter, int, int, tuple[int, int]]:
    """(P0230 count, names -> count, files translated, files refused before translation,
    (lines of the hand-written HIP ports reproduced, their lines))."""
    names: Counter = Counter()
    total = files = refused = matched = expected = 0
    for path in sorted(corpus.glob("src/*-cuda/**/*.cu")):
        try:
            result = porter.translate(path, "hip", hip_version=hip_version)
        except InputError:
            refused += 1
            continue
        files += 1
        folder = path.relative_to(corpus / "src").parts[0]
        hand = corpus / "src" / folder.replace("-cuda", "-hip") / path.relative_to(corpus / "src" / folder)
        if hand.is_file():
            # the port's lines that differ from the CUDA file's: what a porter has to produce
            want = _lines(hand.read_text(encoding="utf-8", errors="replace")) - _lines(result.source.text)
            matched += sum((want & _lines(result.code)).values())
            expected += sum(want.values())
        for diagnostic in result.diagnostics:
            if diagnostic.id == "P0230":
                total += 1
                match = _NAME.search(diagnostic.message)
                names[match.group(1) if match else diagnostic.message] += 1
    return total, names, files, refused, (matched, expected)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--hip-version", default="6.3")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    if not (args.corpus / "src").is_dir():
        raise SystemExit(f"no corpus at {args.corpus}")
    total, names, files, refused, (matched, expected) = measure(args.corpus, args.hip_version)
    print(f"{files} files translated ({refused} refused as input) at HIP {args.hip_version}: "
          f"{total} P0230 diagnostics, {len(names)} distinct names; changed lines of the "
          f"hand-written HIP ports reproduced: {matched}/{expected} ({matched / max(expected, 1):.1%})")
    for name, count in names.most_common(args.top):
        print(f"  {count:5d}  {name}")


if __name__ == "__main__":
    main()
