"""Operators a program defines on CUDA vector types that HIP's vector types already have.

CUDA's float4, int2, ... are plain structs, so programs define their arithmetic (CUDA samples'
helper_math.h). HIP's are ``HIP_vector_type`` classes that define it themselves, as members: a
free ``operator-=(float4&, float4)`` beside HIP's member makes every ``a -= b`` ambiguous
("use of overloaded operator '-=' is ambiguous"). HIP's members compute the same, element by
element, so porter removes these definitions (a warning, P0273, on each): the compound assignments
with a vector of the same type, and unary minus. HIP's binary operators and those with a scalar
are templates, which a program's own definitions win over without ambiguity, so they are kept.
"""

from __future__ import annotations

from porter.backends.hip.context import RewriteContext
from porter.frontends.treesitter import Node, Region

RULE = "vector-operator"
_COMPOUND = {"+=", "-=", "*=", "/=", "%="}
VECTOR_TYPES = frozenset(f"{base}{n}" for n in (1, 2, 3, 4) for base in (
    "char", "uchar", "short", "ushort", "int", "uint", "long", "ulong", "longlong", "ulonglong", "float", "double"))


def _parameter_types(region: Region, declarator: Node) -> list[str] | None:
    parameters = declarator.child_by_field_name("parameters")
    if parameters is None:
        return None
    types = []
    for parameter in parameters.named_children:
        if parameter.type == "comment":
            continue
        type_node = parameter.child_by_field_name("type") if parameter.type == "parameter_declaration" else None
        if type_node is None:
            return None
        types.append(region.text(type_node))
    return types


def rewrite_vector_operators(ctx: RewriteContext) -> None:
    for region in ctx.regions:
        for definition in region.find({"function_definition"}, region.root):
            declarator = definition.child_by_field_name("declarator")
            if declarator is None or declarator.type != "function_declarator":
                continue
            name = declarator.child_by_field_name("declarator")
            if name is None or name.type != "operator_name":
                continue
            operator = region.text(name).removeprefix("operator").strip()
            types = _parameter_types(region, declarator)
            if not types or types[0] not in VECTOR_TYPES:
                continue
            clash = (operator in _COMPOUND and len(types) == 2 and types[1] == types[0]) or \
                (operator == "-" and len(types) == 1)
            if not clash:
                continue
            signature = f"operator{operator}({', '.join(types)})"
            if ctx.replace_node(region, definition, f"/* porter: {signature} removed: HIP's {types[0]} defines it */",
                                RULE):
                ctx.report("P0273", f"{signature} removed: HIP's {types[0]} defines it as a member (the same, "
                           "element by element), and a second definition makes every use ambiguous",
                           region, name)
