"""porter.dependencies: the quoted includes of a source, transitively, with their hashes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from porter.dependencies import IncludeScanner


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_includes_are_followed_transitively_through_cycles_and_stay_inside_the_tree(tmp_path: Path):
    files = {"a.h": '#include "b.h"\n', "b.h": '#include "a.h"\n#include "b.h"\n',
             "sub/k.cu": ('#include "../a.h"\n#include <cuda.h>\n// #include "commented.h"\n'
                          '#include "../../outside.h"\n#include "/abs.h"\n  #  include "near.h"\n'),
             "near.h": "// found at the top of the tree\n"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    scanner = IncludeScanner(tmp_path)
    assert scanner.dependencies("sub/k.cu") == {"a.h": _sha(files["a.h"]), "b.h": _sha(files["b.h"]),
                                                "near.h": _sha(files["near.h"]), "sub/near.h": None}
    assert scanner.dependencies("b.h") == {"a.h": _sha(files["a.h"])}  # not itself
    assert scanner.dependencies("missing.cu") == {}
