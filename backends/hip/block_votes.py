"""`__syncthreads_and/_or/_count` for 64-lane AMD GPUs before HIP 6.0: porter's helper instead.

HIP 5.2 implements them with ockl's workgroup reductions, which stop hipcc's back end for gfx90a
("Cannot select: intrinsic %llvm.amdgcn.permlanex16"; checked with Debian's HIP 5.2). Each call
becomes ``__porter_syncthreads_and`` (...), helper ``syncthreads_votes`` of
device_intrinsics.toml: a shared word set between barriers, with the same result. Newer HIP
versions were not checked; porter keeps the helper before 6.0.
"""

from __future__ import annotations

from porter.backends.hip.context import RewriteContext

RULE = "block-vote"
HELPER = "syncthreads_votes"
UNTIL = "6.0"
_VOTES = ("__syncthreads_and", "__syncthreads_or", "__syncthreads_count")


def rewrite_block_votes(ctx: RewriteContext) -> None:
    if not ctx.wave64 or ctx.options.at_least(UNTIL):
        return
    for region in ctx.regions:
        for call in region.find({"call_expression"}, region.root):
            function = call.child_by_field_name("function")
            if function is None or function.type != "identifier" or region.text(function) not in _VOTES:
                continue
            if ctx.replace_node(region, function, "__porter_" + region.text(function).lstrip("_"), RULE):
                ctx.helpers_needed.add(HELPER)
