"""atomicAdd of __half and __half2 for a HIP that has none (before 6.0; checked absent in 5.2).

Where atomicAdd takes a variable the function declares as a half type, porter adds overloads of atomicAdd for
``__half*`` and ``__half2*`` (helper ``half_atomics`` of device_intrinsics.toml: a compare-and-swap
loop on the aligned 32-bit word, returning the old value as CUDA's does). The overloads take only
those pointer types, so the other atomicAdd calls resolve as before. bf16 pairs (__nv_bfloat162)
are reported elsewhere (P0250).
"""

from __future__ import annotations

import re

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.template_shuffles import names_a_type
from porter.backends.hip.warp_builtins import declared_type
from porter.frontends.treesitter import Node, Region

HELPER = "half_atomics"
UNTIL = "6.0"
_HALF = frozenset({"__half", "half", "__half2", "half2"})
_BASE_NAME = re.compile(r"^\s*&?\s*([A-Za-z_]\w*)")
_HALF_POINTER_CAST = re.compile(r"(\(\s*|_cast\s*<\s*)(__half2?|half2?)\s*\*\s*(\)|>)")


def rewrite_half_atomics(ctx: RewriteContext) -> None:
    if ctx.options.at_least(UNTIL) or not names_a_type(ctx, _HALF):
        return
    for region in ctx.regions:
        for call in region.find({"call_expression"}, region.root):
            function = call.child_by_field_name("function")
            if function is None or function.type != "identifier" or region.text(function) != "atomicAdd":
                continue
            args = call.child_by_field_name("arguments")
            arguments = [] if args is None else [a for a in args.named_children if a.type != "comment"]
            if any(_declared_half(region, call, argument) for argument in arguments[:2]):
                ctx.helpers_needed.add(HELPER)
                return


def _declared_half(region: Region, call: Node, argument: Node) -> bool:
    """Is the argument (`v`, `p`, `&p[i]`, `p + i`) a variable the function declares as a half type,
    or a cast to a half pointer (`(half2*)&out[i]`)?"""
    if _HALF_POINTER_CAST.search(region.text(argument)):
        return True
    match = _BASE_NAME.match(region.text(argument))
    if match is None:
        return False
    written = declared_type(region, call, match.group(1))
    return written is not None and written.removeprefix("const ").strip() in _HALF
