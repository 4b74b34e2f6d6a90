"""A program's own definition of a device function that HIP defines too: removed, with a warning.

CUDA has no ``atomicMax(double*, double)`` (nor atomicMin, atomicSub of floats, ...), so programs
define it; HIP's runtime headers define it, and the program's definition becomes "redefinition of
'atomicMax'". porter removes the program's definition (warning P0274 on it): calls then use HIP's,
which computes the same operation atomically; the warning says to rename the program's function
where it meant something else (e.g. other NaN handling). The functions and signatures are data
(data/hip_defined_functions.toml).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from porter.backends.hip.context import RewriteContext
from porter.frontends.treesitter import Node, Region

RULE = "hip-defined-function"


@cache
def hip_defined_functions() -> dict[str, list[list[str]]]:
    with (Path(__file__).parent / "data" / "hip_defined_functions.toml").open("rb") as handle:
        return tomllib.load(handle)["functions"]


def _parameter_type(region: Region, parameter: Node) -> str | None:
    type_node = parameter.child_by_field_name("type")
    if parameter.type != "parameter_declaration" or type_node is None:
        return None
    written = region.text(type_node)
    declarator = parameter.child_by_field_name("declarator")
    while declarator is not None and declarator.type == "pointer_declarator":
        written += "*"
        declarator = declarator.child_by_field_name("declarator")
    return written


def remove_hip_defined_functions(ctx: RewriteContext) -> None:
    functions = hip_defined_functions()
    for region in ctx.regions:
        for definition in region.find({"function_definition"}, region.root):
            declarator = definition.child_by_field_name("declarator")
            while declarator is not None and declarator.type == "pointer_declarator":
                declarator = declarator.child_by_field_name("declarator")
            if declarator is None or declarator.type != "function_declarator":
                continue
            name_node = declarator.child_by_field_name("declarator")
            if name_node is None or name_node.type != "identifier" or region.text(name_node) not in functions:
                continue
            parameters = declarator.child_by_field_name("parameters")
            types = [] if parameters is None else \
                [_parameter_type(region, p) for p in parameters.named_children if p.type != "comment"]
            name = region.text(name_node)
            if types not in functions[name]:
                continue
            signature = f"{name}({', '.join(types)})"
            if ctx.replace_node(region, definition, f"/* porter: {signature} removed: HIP defines it */", RULE):
                ctx.report("P0274", f"{signature} removed: HIP's runtime headers define it (a second definition "
                           "does not compile); calls use HIP's, which does the same operation atomically",
                           region, name_node, "if this definition meant something else (e.g. other NaN "
                           "handling), rename it and its calls")
