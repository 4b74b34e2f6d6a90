"""The JAX Pallas backend: CUDA kernels lowered to block programs, emitted as ``pl.pallas_call``.

The flow: IR -> tile lowering (:mod:`porter.passes.tile`) -> :mod:`.emit` (GPU flavour, Triton
lowering) or :mod:`.tpu` (TPU flavour, Mosaic). The option ``flavor`` picks one ("gpu" by default:
Pallas on NVIDIA through the Triton lowering; "tpu": Mosaic TPU rules). Kernels the lowering or the
flavour refuses carry an error diagnostic (P04xx from the lowering, P06xx from this backend) and
are left out of the module.
"""

from __future__ import annotations

from pathlib import Path

from porter.backends.pallas.emit import PortError, emit_module
from porter.backends.pallas.options import PallasOptions
from porter.backends.tile import each_program, finish_module, lower_for_tile_backend
from porter.diagnostics import make
from porter.result import TranslationResult
from porter.source import SourceFile


class PallasBackend:
    name = "pallas"
    options_type = PallasOptions
    suffix = ".py"

    def translate(self, source: SourceFile, options: PallasOptions) -> TranslationResult:
        result, programs, kernels = lower_for_tile_backend(self.name, source, options)
        if programs is None:
            return result

        def check(program):  # emitted alone first: a refusal or porter's bug (P0060) leaves it out
            try:
                emit_module([program], Path(source.name).name, options.flavor)
            except PortError as error:
                result.diagnostics.append(make(error.diag_id, f"{program.kernel}: no Pallas-{options.flavor} form: "
                                               f"{error.message}", source.line_span(error.line or program.line)))
                return None
            return program

        kept = each_program(result, programs, f"emitting it as Pallas-{options.flavor}", check)
        # the module of kernels that each emitted alone: an exception here is file-wide, not contained
        return finish_module(result, emit_module(kept, Path(source.name).name, options.flavor), kept, kernels)


BACKEND = PallasBackend()
