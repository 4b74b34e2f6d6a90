"""The Triton backend: CUDA kernels lowered to block programs, emitted as @triton.jit kernels.

The flow: IR (libclang, tree-sitter fallback) -> tile lowering (:mod:`porter.passes.tile`) ->
:mod:`.emit`. Kernels the lowering refuses carry an error diagnostic and are left out of the
module; the others are emitted with launchers (see :mod:`.emit` for the module's contract).
"""

from __future__ import annotations

from pathlib import Path

from porter.backends.triton.emit import emit_module
from porter.backends.triton.options import TritonOptions
from porter.frontends.ir_frontend import build_ir

from porter.diagnostics import make
from porter.passes.tile import lower_module
from porter.result import TranslationResult
from porter.source import SourceFile


class TritonBackend:
    name = "triton"
    options_type = TritonOptions
    suffix = ".py"

    def translate(self, source: SourceFile, options: TritonOptions) -> TranslationResult:
        result = TranslationResult(source, self.name, "", options=options.to_json())
        if not source.text.strip():
            result.diagnostics.append(make("P0007", f"{source.name} is empty", source.span(0, 0)))
            return result
        module = build_ir(source)
        result.diagnostics += [d for d in module.diagnostics if d.is_error]
        programs, refused = lower_module(module, source.text, tuple(options.instantiate),
                                         raise_reductions=options.raise_reductions)
        result.diagnostics += refused
        result.code = emit_module(programs, Path(source.name).name)
        return result


BACKEND = TritonBackend()
