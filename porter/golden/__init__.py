"""Golden outputs: CUDA kernels with cases, recorded on an NVIDIA GPU, that every port is checked against.

* :mod:`~porter.golden.spec`: load a kernel's ``NAME.toml`` (buffers, scalars, launches, cases);
* :mod:`~porter.golden.inputs`: the seeded inputs of a case;
* :mod:`~porter.golden.launcher`: the CUDA C++ program that runs a spec's launches from a plan;
* :mod:`~porter.golden.record`: compile, run and store, with provenance;
* :mod:`~porter.golden.store`: where recordings live, loading them, fresh or stale;
* :mod:`~porter.golden.integrity`: whether a recording's files can be trusted (data hash, arrays).
"""

from __future__ import annotations

from pathlib import Path

from porter.golden.errors import GoldenDataError, GoldenError, SpecError, ToolchainError
from porter.golden.inputs import make_inputs
from porter.golden.model import KernelSpec, ResolvedCase
from porter.golden.resolve import case_hash, resolve_case
from porter.golden.spec import discover, load_spec
from porter.golden.store import Golden, default_store, load


def corpus_dir() -> Path:
    """The repository's own corpus, ``golden/kernels`` (present in a source checkout)."""
    folder = Path(__file__).resolve().parents[2] / "golden" / "kernels"
    if not folder.is_dir():
        raise GoldenError("porter's golden corpus is not here (it ships with the source repository)",
                          "pass the folders or .toml files of your own kernel specs")
    return folder


__all__ = ["Golden", "GoldenDataError", "GoldenError", "KernelSpec", "ResolvedCase", "SpecError", "ToolchainError", "case_hash",
           "corpus_dir", "default_store", "discover", "load", "load_spec", "make_inputs", "resolve_case"]
