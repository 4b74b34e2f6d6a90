"""The bundled golden corpus, for the checker tests: its folder and a kernel's recorded cases."""

from pathlib import Path

from porter.golden.spec import load_spec
from porter.golden.store import default_store, load

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "kernels"


def golden_cases(name: str, only: str | None = None):
    """(spec, [(case, recorded golden)]) of kernel ``name``: every case, or only the one named ``only``."""
    spec = load_spec(GOLDEN / f"{name}.toml")
    store = default_store(spec.path)
    return spec, [(c, load(store, spec.name, c.name)) for c in spec.cases if only is None or c.name == only]
