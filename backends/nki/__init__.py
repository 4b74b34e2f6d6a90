"""The AWS NKI backend: CUDA kernels lowered to block programs, emitted as @nki.jit kernels.

The flow: IR -> tile lowering (:mod:`porter.passes.tile`) -> :mod:`.emit`. Kernels the lowering
or the emitter refuses carry an error diagnostic (P04xx, P07xx) and are left out of the module.
Output is checked against porter's executable NKI model (:mod:`.model`), not AWS's simulator.
"""

from __future__ import annotations

from pathlib import Path

from porter.backends.nki.emit import Unsupported, emit_kernel, emit_module
from porter.backends.nki.options import NkiOptions
from porter.frontends.ir_frontend import build_ir

from porter.diagnostics import make
from porter.passes.tile import lower_module
from porter.result import TranslationResult
from porter.source import SourceFile


class NkiBackend:
    name = "nki"
    options_type = NkiOptions
    suffix = ".py"

    def translate(self, source: SourceFile, options: NkiOptions) -> TranslationResult:
        result = TranslationResult(source, self.name, "", options=options.to_json())
        if not source.text.strip():
            result.diagnostics.append(make("P0007", f"{source.name} is empty", source.span(0, 0)))
            return result
        module = build_ir(source)
        result.diagnostics += [d for d in module.diagnostics if d.is_error]
        programs, refused = lower_module(module, source.text, tuple(options.instantiate))
        result.diagnostics += refused
        kernels = []
        for program in programs:
            try:
                kernels.append((program, emit_kernel(program, Path(source.name).name)))
            except Unsupported as why:
                result.diagnostics.append(make(why.diag_id, f"{program.kernel}: no NKI form: {why.message}",
                                               _line_span(source, why.line or program.line)))
        result.code = emit_module(kernels, Path(source.name).name)
        return result


def _line_span(source: SourceFile, line: int):
    starts = [0] + [i + 1 for i, ch in enumerate(source.text) if ch == "\n"]
    start = starts[max(0, min(line, len(starts)) - 1)]
    end = source.text.find("\n", start)
    return source.span(start, end if end >= 0 else len(source.text))


BACKEND = NkiBackend()
