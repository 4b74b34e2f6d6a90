"""The Triton backend: CUDA kernels lowered to block programs, emitted as @triton.jit kernels.

The flow: IR (libclang, tree-sitter fallback) -> tile lowering (:mod:`porter.passes.tile`) ->
:mod:`.emit`. Kernels the lowering refuses carry an error diagnostic and are left out of the
module; the others are emitted with launchers (see :mod:`.emit` for the module's contract).
"""

from __future__ import annotations

from pathlib import Path

from porter.backends.triton.emit import emit_module
from porter.backends.triton.options import TritonOptions
from porter.backends.tile import each_program, finish_module, lower_for_tile_backend
from porter.passes.tile.strided import strided_loops
from porter.passes.tile.widen import widen
from porter.result import TranslationResult
from porter.source import SourceFile


class TritonBackend:
    name = "triton"
    options_type = TritonOptions
    suffix = ".py"

    def translate(self, source: SourceFile, options: TritonOptions) -> TranslationResult:
        result, programs, kernels = lower_for_tile_backend(self.name, source, options,
                                                           raise_reductions=options.raise_reductions)
        if programs is None:
            return result
        if options.strided:
            programs = each_program(result, programs, "rewriting its strided loops",
                                    lambda p: strided_loops(p, spare=options.unroll - 1))
        if options.widen:
            programs = each_program(result, programs, "widening its loads", widen)
        emitted: list = []

        def each(programs, emit):  # emit each kernel alone: one that raises is left out (P0060)
            done = each_program(result, programs, "emitting it as Triton", emit)
            emitted.extend(program for program, *_ in done)
            return done

        code = emit_module(programs, Path(source.name).name, unroll=options.unroll,
                           prefetch=options.prefetch, warps=options.warps,
                           specialize=options.specialize, fuse_loops=options.fuse,
                           fused_sums=options.fused_sums, hold_tiles=options.registers, each=each)
        return finish_module(result, code, emitted, kernels)


BACKEND = TritonBackend()
