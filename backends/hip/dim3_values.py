"""`dim3` variables given a `uint3`: CUDA converts, HIP does not.

CUDA's dim3 has a constructor from uint3, so ``grid = make_uint3(x, y, z);`` compiles; HIP's dim3
(hip/hip_runtime_api.h) takes only the three numbers, and hipcc rejects the assignment ("no viable
overloaded '='"). Where a dim3 variable (declared in the function, as written) is assigned or
initialized with a ``make_uint3(...)`` call, the call becomes ``dim3(...)``: the same three values.
"""

from __future__ import annotations

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.warp_builtins import declared_type
from porter.frontends.treesitter import Node, Region

RULE = "dim3-from-uint3"


def _make_uint3_name(region: Region, value: Node | None) -> Node | None:
    """The `make_uint3` name node when ``value`` is a call of it."""
    if value is None or value.type != "call_expression":
        return None
    function = value.child_by_field_name("function")
    if function is not None and function.type == "identifier" and region.text(function) == "make_uint3":
        return function
    return None


def rewrite_dim3_values(ctx: RewriteContext) -> None:
    for region in ctx.regions:
        for node in region.find({"assignment_expression", "init_declarator"}, region.root):
            if node.type == "assignment_expression":
                target, value = node.child_by_field_name("left"), node.child_by_field_name("right")
                if target is None or target.type != "identifier" or \
                        region.text(node.child_by_field_name("operator") or node).strip() != "=":
                    continue
                written = declared_type(region, node, region.text(target))
            else:
                value = node.child_by_field_name("value")
                declaration = node.parent
                type_node = None if declaration is None else declaration.child_by_field_name("type")
                written = None if type_node is None else region.text(type_node)
            name = _make_uint3_name(region, value)
            if name is not None and written == "dim3":
                ctx.replace_node(region, name, "dim3", RULE)
