"""Run porter from this source checkout, uninstalled: ``python3 golden/run_porter.py ARGS...``.

setup.py installs the top-level folders frontends/, backends/ and llm/ as porter.frontends,
porter.backends and porter.llm. Loading the porter package with the checkout's root among its
search locations gives the same layout with nothing installed (for GPU machines that have no
package index). The third-party packages porter needs must still be importable.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load_porter() -> None:
    if "porter" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(
        "porter", ROOT / "porter" / "__init__.py",
        submodule_search_locations=[str(ROOT / "porter"), str(ROOT)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["porter"] = module
    spec.loader.exec_module(module)


if __name__ == "__main__":
    load_porter()
    from porter.cli import main

    sys.argv[0] = "porter"
    main()
