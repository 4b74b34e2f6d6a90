"""Shuffles of a template-typed value, for a HIP whose shuffles take no 16-bit float types.

Before HIP 6.0, ``__shfl``/``__shfl_xor``/``__shfl_up``/``__shfl_down`` have overloads for the
32- and 64-bit types only. A shuffle of a value of type ``T``, a template parameter, that the
program instantiates with ``__half`` or the bf16 type does not compile ("call to '__shfl_xor'
is ambiguous"), and porter cannot see the instantiation from the template. Where a file that
names a 16-bit float type shuffles a template-typed value, porter adds the missing overloads
(helper ``half_shuffles`` of device_intrinsics.toml): the 16 bits move as an int, so the value
is exact, and the width argument is HIP's own. A shuffle of a value declared ``__half`` itself
is warp_builtins.py's (P0250).
"""

from __future__ import annotations

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.tables import porter_table
from porter.backends.hip.warp_builtins import declared_type
from porter.frontends.treesitter import Node, Region, iter_name_leaves

HELPER = "half_shuffles"
#: the shuffles and the index of their value argument
_SHUFFLES = {"__shfl": 0, "__shfl_xor": 0, "__shfl_up": 0, "__shfl_down": 0,
             "__shfl_sync": 1, "__shfl_xor_sync": 1, "__shfl_up_sync": 1, "__shfl_down_sync": 1}
_SIXTEEN_BIT_FLOATS = frozenset({"__half", "half", "__nv_bfloat16", "nv_bfloat16", "hip_bfloat16", "__hip_bfloat16"})


def names_a_type(ctx: RewriteContext, names: frozenset[str]) -> bool:
    """Does the code (not its comments or strings) name one of these types?"""
    return any(leaf.type in ("type_identifier", "identifier") and region.text(leaf) in names
               for region in ctx.regions for leaf in iter_name_leaves(region.root))


def _template_parameters(node: Node, region: Region) -> set[str]:
    """The type parameter names of the templates around ``node``."""
    names: set[str] = set()
    while node is not None:
        if node.type == "template_declaration":
            parameters = node.child_by_field_name("parameters")
            for parameter in [] if parameters is None else parameters.named_children:
                if parameter.type in ("type_parameter_declaration", "optional_type_parameter_declaration"):
                    names.update(region.text(c) for c in parameter.named_children if c.type == "type_identifier")
        node = node.parent
    return names


def rewrite_template_shuffles(ctx: RewriteContext) -> None:
    since = porter_table()["shuffle_types"]["__half"]["since"]
    if ctx.options.at_least(since) or not names_a_type(ctx, _SIXTEEN_BIT_FLOATS):
        return
    for region in ctx.regions:
        for call in region.find({"call_expression"}, region.root):
            function = call.child_by_field_name("function")
            if function is None or function.type != "identifier" or region.text(function) not in _SHUFFLES:
                continue
            args = call.child_by_field_name("arguments")
            arguments = [] if args is None else [a for a in args.named_children if a.type != "comment"]
            index = _SHUFFLES[region.text(function)]
            if len(arguments) <= index or arguments[index].type != "identifier":
                continue
            written = declared_type(region, call, region.text(arguments[index]))
            if written is not None and written.removeprefix("const ").strip() in _template_parameters(call, region):
                ctx.helpers_needed.add(HELPER)
                return
