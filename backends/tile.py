"""The front half every tile backend (Triton, Pallas, NKI) shares: IR, then block programs."""

from __future__ import annotations

from porter.backends.names import compile_error
from porter.diagnostics import make
from porter.frontends.ir_frontend import build_ir
from porter.frontends.syntax_gate import syntax_refusals
from porter.passes.tile import lower_module
from porter.result import TranslationResult
from porter.source import SourceFile


def lower_for_tile_backend(name: str, source: SourceFile, options, **lowering) -> tuple[TranslationResult, list | None]:
    """A result carrying the IR's and the lowering's error diagnostics, and the block programs
    (None for an empty file, which only gets its warning). A kernel built from text that does not
    parse (:mod:`porter.frontends.syntax_gate`) gets an error and no block program."""
    result = TranslationResult(source, name, "", options=options.to_json())
    if not source.text.strip():
        result.diagnostics.append(make("P0007", f"{source.name} is empty", source.span(0, 0)))
        return result, None
    module = build_ir(source)
    result.diagnostics += [d for d in module.diagnostics if d.is_error]
    broken = syntax_refusals(module, source)  # kernels built from text that does not parse
    result.diagnostics += broken.diagnostics
    module = module.replace(functions=tuple(f for f in module.functions
                                            if not (f.is_kernel and f.name in broken.kernels)))
    programs, refused = lower_module(module, source.text, tuple(options.instantiate), **lowering)
    result.diagnostics += refused
    return result, programs


def finish_module(result: TranslationResult, code: str) -> TranslationResult:
    """``result`` with ``code`` as its module if Python compiles it; otherwise an internal error
    (P0016) and no code: a module that does not compile is never handed on."""
    why = compile_error(code, f"<{result.target} port of {result.source.name}>")
    if why is None:
        result.code = code
    else:
        result.code = ""
        result.diagnostics.append(make("P0016", f"internal error in porter: the emitted {result.target} module "
                                       f"does not compile ({why})", result.source.span(0, 0)))
    return result


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
