"""Running kernels under porter's NKI model, and the import shim for emitted code.

Emitted kernels say ``import nki; import nki.language as nl; import nki.isa as nisa``.
:func:`install_model` makes those names resolve to this model, but only when no real ``nki``
(AWS's, with ``nki.isa``) can be imported; PyPI's empty placeholder ``nki`` does not count.
:func:`run_kernel` calls a kernel with numpy arrays as HBM tensors and returns numpy outputs.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from porter.backends.nki.model import isa, language, state
from porter.backends.nki.model.errors import fail
from porter.backends.nki.model.tensor import Tensor, from_numpy, to_numpy

_MODULE_NAMES = ("nki", "nki.language", "nki.isa")


def run_kernel(kernel: Callable[..., Any], *args: Any, check_uninitialized: bool = False,
               return_trace: bool = False, **kwargs: Any) -> Any:
    """Run ``kernel`` under porter's model; numpy array arguments become HBM tensors (copies).

    Returns the kernel's returned HBM tensor(s) as numpy arrays (a tuple for several), and with
    ``return_trace`` also the :class:`~.state.Trace` of loops and instructions. With
    ``check_uninitialized`` reading memory nothing wrote raises ``uninitialized-read``; otherwise
    such reads see NaN (floats) or the poison pattern (integers).
    """
    function = getattr(kernel, "__wrapped_kernel__", kernel)
    run = state.begin(check_uninitialized)
    inputs = [_as_input(a, f"arg{i}") for i, a in enumerate(args)]
    named = {k: _as_input(v, k) for k, v in kwargs.items()}
    outputs = _to_outputs(function(*inputs, **named))
    return (outputs, run.trace) if return_trace else outputs


def hbm_input(array: Any, dtype: Any = None, name: str = "") -> Tensor:
    """An HBM input tensor from numpy, e.g. ``hbm_input(x, nl.bfloat16)`` rounds x to bfloat16."""
    return from_numpy(np.asarray(array), dtype, name=name)


def _as_input(value: Any, name: str) -> Any:
    if isinstance(value, np.ndarray):
        return from_numpy(value, name=name)
    return value


def _to_outputs(result: Any) -> Any:
    if result is None:
        return None
    if isinstance(result, (tuple, list)):
        return tuple(_to_outputs(r) for r in result)
    if not isinstance(result, Tensor):
        return result
    if result.buffer.on_chip:
        raise fail("kernel-output-hbm", f"the kernel returned {result!r}; copy it to an HBM tensor "
                   "(nl.ndarray(..., buffer=nl.shared_hbm)) with nisa.dma_copy and return that")
    return to_numpy(result)


class _JitKernel:
    """What ``nki.jit`` returns under the model: called with numpy arrays, the kernel runs."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.__wrapped_kernel__ = function
        self.__name__ = getattr(function, "__name__", "kernel")
        self.__doc__ = function.__doc__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if any(isinstance(a, np.ndarray) for a in (*args, *kwargs.values())):
            return run_kernel(self.__wrapped_kernel__, *args, **kwargs)
        return self.__wrapped_kernel__(*args, **kwargs)


def jit(function: Callable[..., Any] | None = None, **options: Any) -> Any:
    """``@nki.jit`` / ``@nki.jit(...)``: options (platform, mode, ...) are accepted and ignored."""
    if function is None:
        return lambda f: _JitKernel(f)
    return _JitKernel(function)


def simulate(kernel: Callable[..., Any], **options: Any) -> Callable[..., Any]:
    """Stand-in for ``nki.simulate(kernel)(*numpy_args)``, run by porter's model instead."""
    return lambda *args, **kwargs: run_kernel(kernel, *args, **options, **kwargs)


def real_nki_available() -> bool:
    """True when an ``nki`` with ``nki.isa`` (AWS's package, not the PyPI placeholder) imports."""
    if getattr(sys.modules.get("nki"), "__porter_model__", False):
        return False
    try:  # finding nki.isa imports the nki package itself, as any import of nki.isa would
        return importlib.util.find_spec("nki") is not None and importlib.util.find_spec("nki.isa") is not None
    except (ImportError, ValueError):
        return False


def _model_modules() -> dict[str, types.ModuleType]:
    root = types.ModuleType("nki", "porter's executable model of NKI (not AWS's nki or nki.simulate)")
    root.__dict__.update(__porter_model__=True, __path__=[], language=language, isa=isa, jit=jit,
                         simulate=simulate)
    return {"nki": root, "nki.language": language, "nki.isa": isa}


def install_model(force: bool = False) -> str:
    """Make ``import nki`` (and ``nki.language``, ``nki.isa``) resolve to porter's model.

    Does nothing and returns ``"real"`` when AWS's nki is importable (unless ``force``);
    returns ``"model"`` when the model is installed.
    """
    if not force and real_nki_available():
        return "real"
    sys.modules.update(_model_modules())
    return "model"


@contextlib.contextmanager
def model_installed(force: bool = False) -> Iterator[str]:
    """:func:`install_model` for the ``with`` block; the previous ``nki`` modules come back after."""
    saved = {name: sys.modules.get(name) for name in _MODULE_NAMES}
    try:
        yield install_model(force)
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
