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
from porter.diagnostics import make
from porter.frontends.ir_frontend import build_ir
from porter.passes.tile import lower_module
from porter.result import TranslationResult
from porter.source import SourceFile


class PallasBackend:
    name = "pallas"
    options_type = PallasOptions
    suffix = ".py"

    def translate(self, source: SourceFile, options: PallasOptions) -> TranslationResult:
        result = TranslationResult(source, self.name, "", options=options.to_json())
        if not source.text.strip():
            result.diagnostics.append(make("P0007", f"{source.name} is empty", source.span(0, 0)))
            return result
        module = build_ir(source)
        result.diagnostics += [d for d in module.diagnostics if d.is_error]
        programs, refused = lower_module(module, source.text, tuple(options.instantiate))
        result.diagnostics += refused
        kept = []
        for program in programs:
            try:
                emit_module([program], Path(source.name).name, options.flavor)
            except PortError as error:
                offset = _line_offset(source.text, error.line or program.line)
                result.diagnostics.append(make(error.diag_id, f"{program.kernel}: no Pallas-{options.flavor} form: "
                                               f"{error.message}", source.span(offset, offset)))
                continue
            kept.append(program)
        result.code = emit_module(kept, Path(source.name).name, options.flavor)
        return result


def _line_offset(text: str, line: int) -> int:
    lines = text.splitlines(keepends=True)
    return sum(len(x) for x in lines[:max(0, line - 1)])


BACKEND = PallasBackend()
