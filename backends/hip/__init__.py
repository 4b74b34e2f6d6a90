"""The HIP backend: a lossless source rewrite of CUDA into HIP for AMD GPUs.

The rules run in order over the original text; each adds span edits (an earlier rule's edit wins
over a later rule on the same bytes) and diagnostics. Semantic rules come first, the plain
renames after them, the headers last (they depend on what the others needed).
"""

from __future__ import annotations

from porter.backends.hip.bf16_intrinsics import rewrite_bf16_intrinsics
from porter.backends.hip.bit_arguments import rewrite_bit_arguments
from porter.backends.hip.c_sources import define_platform_for_c
from porter.backends.hip.block_votes import rewrite_block_votes
from porter.backends.hip.cooperative_groups import check_cooperative_groups
from porter.backends.hip.device_intrinsics import rewrite_device_intrinsics
from porter.backends.hip.dim3_values import rewrite_dim3_values
from porter.backends.hip.empty_braces import rewrite_empty_braces
from porter.backends.hip.half_atomics import rewrite_half_atomics
from porter.backends.hip.image_fetches import check_image_fetches
from porter.backends.hip.includes import rewrite_includes
from porter.backends.hip.inline_ptx import rewrite_inline_ptx
from porter.backends.hip.isolate import rewrite_isolated
from porter.backends.hip.kernel_pointers import rewrite_kernel_pointers
from porter.backends.hip.kernels import kernel_sites
from porter.backends.hip.launch import rewrite_launches
from porter.backends.hip.library_strings import rewrite_library_strings
from porter.backends.hip.macro_shields import shield_macros
from porter.backends.hip.options import HipOptions
from porter.backends.hip.redefinitions import remove_hip_defined_functions
from porter.backends.hip.register_keyword import drop_register_keyword
from porter.backends.hip.rename import check_version_gaps, rename
from porter.backends.hip.runtime_api import rewrite_runtime_api
from porter.backends.hip.template_shuffles import rewrite_template_shuffles
from porter.backends.hip.vector_operators import rewrite_vector_operators
from porter.backends.hip.warp_builtins import rewrite_warp_builtins
from porter.backends.hip.warp_size import rewrite_warp_size
from porter.diagnostics import make
from porter.frontends.treesitter import CudaSyntax
from porter.result import TranslationResult, kernel_verdicts
from porter.source import SourceFile

#: The rules, in the order they run.
RULES = (
    rewrite_inline_ptx,
    rewrite_warp_builtins,
    rewrite_warp_size,
    check_cooperative_groups,
    rewrite_device_intrinsics,
    rewrite_bf16_intrinsics,
    check_image_fetches,
    rewrite_dim3_values,
    rewrite_template_shuffles,
    rewrite_kernel_pointers,
    rewrite_half_atomics,
    rewrite_vector_operators,
    rewrite_bit_arguments,
    remove_hip_defined_functions,
    rewrite_block_votes,
    drop_register_keyword,
    rewrite_empty_braces,
    rewrite_library_strings,
    check_version_gaps,
    rewrite_launches,
    rewrite_runtime_api,
    rename,
    define_platform_for_c,
    rewrite_includes,
    shield_macros,
)

#: Above this fraction of unparseable bytes the file is not treated as CUDA at all.
_MAX_ERROR_FRACTION = 0.5


class HipBackend:
    name = "hip"
    options_type = HipOptions

    def translate(self, source: SourceFile, options: HipOptions) -> TranslationResult:
        result = TranslationResult(source, self.name, source.text, options=options.to_json(),
                                   encoding=source.encoding)  # a lossless rewrite keeps the bytes
        if source.encoding != "utf-8":
            result.diagnostics.append(_not_utf8_note(source))
        if not source.text.strip():
            result.diagnostics.append(make("P0007", f"{source.name} is empty", source.span(0, 0)))
            return result
        syntax = CudaSyntax.parse(source.data)
        parse_problems = _parse_diagnostics(source, syntax)
        if any(d.is_error for d in parse_problems):
            result.diagnostics.extend(parse_problems)
            return result
        # a rule that raises on one kernel leaves that kernel's text as it was, with P0060 (.isolate)
        ctx, result.code, left_out = rewrite_isolated(source, syntax, options, RULES)
        result.edits = list(ctx.edits)
        result.diagnostics = sorted(result.diagnostics + parse_problems + ctx.diagnostics + left_out,
                                    key=lambda d: (d.span.start if d.span else -1, d.id))
        result.kernels = kernel_verdicts([(k.name, k.span(source)) for k in kernel_sites(syntax)],
                                         result.diagnostics)
        return result


def _not_utf8_note(source: SourceFile):
    offset = source.non_utf8_offset or 0
    byte = source.text[len(source.data[:offset].decode("utf-8"))].encode(source.encoding)[0]
    return make("P0285", f"{source.name} is not UTF-8 (byte 0x{byte:02x} is the first that is not): porter read "
                "it as 8-bit text, and the output keeps every byte outside its edits as it was",
                source.span(offset, offset + len(chr(byte).encode("utf-8"))))


def _parse_diagnostics(source: SourceFile, syntax: CudaSyntax) -> list:
    if syntax.error_fraction() > _MAX_ERROR_FRACTION:
        first = syntax.error_nodes()[0]
        return [make("P0102", f"{source.name} does not parse as CUDA ({syntax.error_fraction():.0%} of it "
                     "is unparseable); nothing was translated", source.span(first.start_byte, first.end_byte))]
    diagnostics = []
    for node in syntax.error_nodes()[:20]:
        end = min(node.end_byte, source.data.find(b"\n", node.start_byte) % (len(source.data) + 1) or node.end_byte)
        what = "missing " + node.type if node.is_missing else "code porter could not parse"
        diagnostics.append(make("P0101", what, source.span(node.start_byte, max(end, node.start_byte))))
    return diagnostics


BACKEND = HipBackend()
