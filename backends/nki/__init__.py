"""The AWS NKI backend: CUDA kernels lowered to block programs, emitted as @nki.jit kernels.

The flow: IR -> tile lowering (:mod:`porter.passes.tile`) -> :mod:`.emit`. Kernels the lowering
or the emitter refuses carry an error diagnostic (P04xx, P07xx) and are left out of the module.
Output is checked against porter's executable NKI model (:mod:`.model`), not AWS's simulator.
"""

from __future__ import annotations

from pathlib import Path

from porter.backends.nki.emit import Unsupported, emit_kernel, emit_module, symbols
from porter.backends.nki.options import NkiOptions
from porter.backends.tile import each_program, finish_module, lower_for_tile_backend
from porter.diagnostics import make
from porter.result import TranslationResult
from porter.source import SourceFile


class NkiBackend:
    name = "nki"
    options_type = NkiOptions
    suffix = ".py"

    def translate(self, source: SourceFile, options: NkiOptions) -> TranslationResult:
        result, programs, sites = lower_for_tile_backend(self.name, source, options, raise_reductions=True)
        if programs is None:
            return result
        names = symbols([p.kernel for p in programs])

        def emit(program):  # a refusal or porter's bug (P0060) leaves the kernel out
            try:
                return program, emit_kernel(program, Path(source.name).name, names[program.kernel])
            except Unsupported as why:
                result.diagnostics.append(make(why.diag_id, f"{program.kernel}: no NKI form: {why.message}",
                                               source.line_span(why.line or program.line)))
                return None

        kernels = each_program(result, programs, "emitting it as NKI", emit)
        return finish_module(result, emit_module(kernels, Path(source.name).name, names),
                             [program for program, _ in kernels], sites)


BACKEND = NkiBackend()
