"""The front half every tile backend (Triton, Pallas, NKI) shares: IR, then block programs."""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from porter.backends.names import compile_error
from porter.diagnostics import Span, make
from porter.frontends import headers
from porter.frontends.ir_frontend import build_ir
from porter.frontends.syntax_gate import SyntaxRefusals, syntax_refusals
from porter.ir.module import Module
from porter.internal_errors import is_fatal, kernel_internal_error
from porter.passes.tile import BlockProgram, lower_module
from porter.result import INTERNAL_ERROR, PORTED, TranslationResult, kernel_verdicts
from porter.source import SourceFile

#: A kernel of the source as the verdicts name it: (name, span of its definition).
KernelSite = tuple[str, Span]


def lower_for_tile_backend(name: str, source: SourceFile, options,
                           **lowering) -> tuple[TranslationResult, list | None, list[KernelSite]]:
    """A result carrying the IR's and the lowering's error diagnostics, the block programs (None
    for an empty file, which only gets its warning) and the source's kernels (for the verdicts of
    :func:`finish_module`). A kernel built from text that does not parse
    (:mod:`porter.frontends.syntax_gate`) gets an error and no block program; a kernel whose
    lowering raises gets P0060 and no block program (:func:`porter.passes.tile.lower_module`).
    Building the IR is file-wide: an exception there is not one kernel's and is not contained."""
    result = TranslationResult(source, name, "", options=options.to_json())
    if not source.text.strip():
        result.diagnostics.append(make("P0007", f"{source.name} is empty", source.span(0, 0)))
        return result, None, []
    module, broken = shared_front(source)  # broken: kernels built from text that does not parse
    kernels = [(f.name, f.span) for f in module.kernels if f.body is not None and not f.template_args]
    result.diagnostics += [d for d in module.diagnostics if d.is_error]
    result.diagnostics += broken.diagnostics
    module = module.replace(functions=tuple(f for f in module.functions
                                            if not (f.is_kernel and f.name in broken.kernels)))
    programs, refused = lower_module(module, source.text, tuple(options.instantiate), **lowering)
    result.diagnostics += refused
    return result, programs, kernels


#: IR modules (and syntax refusals) of recent sources: the three tile backends share the front half,
#: so porting one file to triton, pallas and nki in one process builds it once (IR nodes are frozen)
IR_CACHE_SIZE = 16
_IR_CACHE: OrderedDict[tuple, tuple] = OrderedDict()
_IR_LOCK = threading.Lock()


def shared_front(source: SourceFile) -> tuple[Module, SyntaxRefusals]:
    """``build_ir(source)`` and its :func:`syntax_refusals`, cached by the source's bytes, name and
    path, its project context and the size and mtime of every project header it reaches (editing a
    header builds it again). The refusals come back as a fresh copy each time."""
    project = headers.context_of(source)
    reached = []
    for path in headers.scan_includes(source).headers:
        try:
            info = os.stat(path)
        except OSError:
            info = None
        reached.append((path, info and (info.st_size, info.st_mtime_ns)))
    key = (source.name, str(source.path), hashlib.sha256(source.data).hexdigest(), project, tuple(reached))
    with _IR_LOCK:
        found = _IR_CACHE.get(key)
        if found is not None:
            _IR_CACHE.move_to_end(key)
    if found is None:
        module = build_ir(source)
        found = (module, syntax_refusals(module, source))
        with _IR_LOCK:
            _IR_CACHE[key] = found
            while len(_IR_CACHE) > IR_CACHE_SIZE:
                _IR_CACHE.popitem(last=False)
    module, broken = found
    return module, SyntaxRefusals(set(broken.kernels), list(broken.diagnostics))


def each_program(result: TranslationResult, programs: list[BlockProgram], stage: str,
                 step: Callable[[BlockProgram], Any]) -> list[Any]:
    """``step(program)`` for each program, in order, leaving out the ``None``s (programs ``step``
    refused, with its own diagnostic). A program whose step raises is porter's bug in that kernel:
    it is left out with P0060 on the kernel's line (``stage`` says what porter was doing), and the
    other programs go on."""
    done = []
    for program in programs:
        try:
            value = step(program)
        except Exception as error:  # noqa: BLE001 - porter's bug in one kernel drops that kernel alone
            if is_fatal(error):
                raise
            result.diagnostics.append(kernel_internal_error(program.kernel, result.source.line_span(program.line),
                                                            stage, error))
            continue
        if value is not None:
            done.append(value)
    return done


def finish_module(result: TranslationResult, code: str, emitted: list[BlockProgram] | None = None,
                  kernels: list[KernelSite] | None = None) -> TranslationResult:
    """``result`` with ``code`` as its module if Python compiles it; otherwise an internal error
    (P0016) and no code: a module that does not compile is never handed on. With ``kernels`` (from
    :func:`lower_for_tile_backend`), ``result.kernels`` gets each one's verdict: ported when a
    program of it was ``emitted`` into the module (a template kernel by any of its instances)."""
    why = compile_error(code, f"<{result.target} port of {result.source.name}>")
    if why is None:
        result.code = code
    else:
        result.code = ""
        result.diagnostics.append(make("P0016", f"internal error in porter: the emitted {result.target} module "
                                       f"does not compile ({why})", result.source.span(0, 0)))
    if kernels is not None:
        names = {program.kernel.split("<", 1)[0] for program in emitted or ()}
        verdicts = kernel_verdicts(kernels, result.diagnostics, names)
        if why is not None:  # the module was thrown away: no kernel of it is ported
            verdicts = [v if v.verdict != PORTED else replace(v, verdict=INTERNAL_ERROR, diagnostics=("P0016",))
                        for v in verdicts]
        result.kernels = verdicts
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
