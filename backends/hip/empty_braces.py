"""`x = {};` for a half or vector variable: ambiguous in HIP, written `x = T{};`.

CUDA's __half2, float4, ... have one assignment from a braced list; HIP's classes have several
(from __half2_raw, from the vector, ...), so ``res = {};`` does not compile ("use of overloaded
operator '=' is ambiguous"). Where the variable is declared in the function with such a type,
``{}`` becomes ``T{}``: the same value-initialised value.
"""

from __future__ import annotations

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.vector_operators import VECTOR_TYPES
from porter.backends.hip.warp_builtins import declared_type

RULE = "empty-braces"
_CLASS_TYPES = VECTOR_TYPES | {"__half", "half", "__half2", "half2"}


def rewrite_empty_braces(ctx: RewriteContext) -> None:
    for region in ctx.regions:
        for node in region.find({"assignment_expression"}, region.root):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None or left.type != "identifier" or right.type != "initializer_list" \
                    or right.named_child_count:
                continue
            written = declared_type(region, node, region.text(left))
            if written is not None and written in _CLASS_TYPES:
                ctx.replace_node(region, right, written + "{}", RULE)
