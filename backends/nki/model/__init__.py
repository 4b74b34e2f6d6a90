"""porter's executable model of the NKI subset porter emits (pure numpy; NOT AWS's nki.simulate).

Nothing that runs NKI installs from PyPI, so porter checks its NKI output against this model,
written from the NKI >= 0.3 documentation (see SEMANTICS.md beside this file for what it relies
on, where the documentation was ambiguous and what was chosen). Whenever AWS's ``nki`` is
importable, prefer its simulator: :func:`install_model` only installs the model when it is not.

``language`` and ``isa`` are the model's ``nki.language`` and ``nki.isa``; :func:`run_kernel` runs
a kernel on numpy inputs; every broken rule raises :class:`NkiModelError` naming it (``RULES``).
"""

from porter.backends.nki.model import isa, language
from porter.backends.nki.model.errors import RULES, NkiModelError
from porter.backends.nki.model.runtime import (
    hbm_input,
    install_model,
    jit,
    model_installed,
    real_nki_available,
    run_kernel,
    simulate,
)
from porter.backends.nki.model.state import Trace
from porter.backends.nki.model.tensor import MemoryRegion, Tensor

__porter_model__ = True

__all__ = ["RULES", "MemoryRegion", "NkiModelError", "Tensor", "Trace", "hbm_input", "install_model",
           "isa", "jit", "language", "model_installed", "real_nki_available", "run_kernel", "simulate"]
