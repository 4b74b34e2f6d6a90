"""The front half every tile backend (Triton, Pallas, NKI) shares: IR, then block programs."""

from __future__ import annotations

import keyword
import re

from porter.diagnostics import make
from porter.frontends.ir_frontend import build_ir
from porter.passes.tile import lower_module
from porter.result import TranslationResult
from porter.source import SourceFile


def lower_for_tile_backend(name: str, source: SourceFile, options, **lowering) -> tuple[TranslationResult, list | None]:
    """A result carrying the IR's and the lowering's error diagnostics, and the block programs
    (None for an empty file, which only gets its warning)."""
    result = TranslationResult(source, name, "", options=options.to_json())
    if not source.text.strip():
        result.diagnostics.append(make("P0007", f"{source.name} is empty", source.span(0, 0)))
        return result, None
    module = build_ir(source)
    result.diagnostics += [d for d in module.diagnostics if d.is_error]
    programs, refused = lower_module(module, source.text, tuple(options.instantiate), **lowering)
    result.diagnostics += refused
    return result, programs


def python_name(name: str, reserved: set[str], builtins: dict[str, str] | None = None) -> str:
    """A block-program name as a Python identifier in emitted code: the block program's own names
    (``act``, ``ltid``) as ``builtins`` spells them; keywords, the target's ``reserved`` names and
    names starting with ``_`` (porter's own) get a trailing ``_``."""
    if builtins and name in builtins:
        return builtins[name]
    name = re.sub(r"\W", "_", name)
    return name + "_" if keyword.iskeyword(name) or name in reserved or name.startswith("_") else name


def symbol(kernel: str) -> str:
    """A kernel's name as a Python identifier: ``reduce_sum<256>`` -> ``reduce_sum_256``."""
    return re.sub(r"\W+", "_", kernel).strip("_")


#: a warp shuffle's source lane (CUDA linear thread index) and whether the lane has one, by kind,
#: for a shuffle of ``{x}`` over segments of ``{w}`` lanes: Python expressions over ``_ltid`` and
#: ``_valid`` that the Triton and Pallas emitters print (NKI's trace-time numpy spells its own)
SHUFFLE_SOURCES = {
    # CUDA keeps the source lane's low bits (the width is a power of two): -1 is lane w - 1
    "idx": ("(_ltid // {w}) * {w} + (({x}) & ({w} - 1))", "_valid"),
    "xor": ("_ltid ^ {x}", "(_ltid ^ {x}) // {w} == _ltid // {w}"),
    "down": ("_ltid + {x}", "_ltid % {w} + {x} < {w}"),
    "up": ("_ltid - {x}", "_ltid % {w} >= {x}"),
}


def shuffle_source(kind: str, x: str, w: str) -> tuple[str, str]:
    """(source lane, has a source) of a ``kind`` shuffle, as emitted expressions."""
    src, ok = SHUFFLE_SOURCES[kind]
    return src.format(x=x, w=w), ok.format(x=x, w=w)
