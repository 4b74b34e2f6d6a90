"""Analyses over the kernel IR, each a named frozen dataclass with one ``apply(module)``.

``get_pass(name)`` finds one by its kebab-case name; :func:`porter.passes.summary.analyze_module`
runs them all and is what the CLI (``porter analyze``) and the tile lowering use. Results are
dataclasses keyed by IR node (nodes hash by identity), e.g.
``analyze_function(fn, module).uniformity.value(expr)`` or ``.memory.by_node[load]``.
"""

from __future__ import annotations

from porter.passes.barriers import Barriers
from porter.passes.idioms import Idioms
from porter.passes.memory import MemoryAccess
from porter.passes.summary import Summary, analyze_function, analyze_module
from porter.passes.uniformity import Uniformity
from porter.passes.warp_size import WarpSize

PASSES = {cls.name: cls for cls in (Uniformity, MemoryAccess, Barriers, Idioms, WarpSize, Summary)}


class UnknownPass(KeyError):
    pass


def get_pass(name: str):
    """An instance of the pass called ``name`` (``uniformity``, ``memory-access``...)."""
    if name not in PASSES:
        raise UnknownPass(f"unknown pass {name!r}; porter has: {', '.join(sorted(PASSES))}")
    return PASSES[name]()


__all__ = ["PASSES", "UnknownPass", "analyze_function", "analyze_module", "get_pass"]
