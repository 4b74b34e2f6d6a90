"""Texture fetches that the target AMD GPU cannot compile: an error on each call (P0272).

Some AMD GPUs (gfx90a, the gfx94x family) have no image instructions. HIP keeps CUDA's texture
fetches (``tex2D``, ``tex3D``, ...), which compile to image instructions, so hipcc's back end
stops on them with "requested image instruction is not supported on this GPU" and no source line.
porter reports each such call on its line instead; the GPUs and the fetches are data
(data/image_instructions.toml).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.project_symbols import project_names
from porter.frontends.treesitter import Node, Region

RULE = "image-fetch"


@cache
def image_table() -> dict:
    with (Path(__file__).parent / "data" / "image_instructions.toml").open("rb") as handle:
        return tomllib.load(handle)


def _called_name(region: Region, call: Node) -> Node | None:
    """The name node of `f(...)`, `f<T>(...)`, `::f(...)`."""
    function = call.child_by_field_name("function")
    if function is not None and function.type == "qualified_identifier" \
            and function.child_by_field_name("scope") is None:
        function = function.child_by_field_name("name")
    if function is not None and function.type == "template_function":
        function = function.child_by_field_name("name")
    return function if function is not None and function.type == "identifier" else None


def check_image_fetches(ctx: RewriteContext) -> None:
    table = image_table()
    if ctx.options.offload_arch not in table["arches"]:
        return
    fetches = set(table["fetches"])
    declared = None
    for region in ctx.regions:
        for call in region.find({"call_expression"}, region.root):
            name_node = _called_name(region, call)
            if name_node is None or region.text(name_node) not in fetches:
                continue
            if declared is None:
                declared = project_names(ctx.syntax, ctx.source.path,
                                         getattr(ctx.source.project, "include_dirs", ()))
            name = region.text(name_node)
            if name in declared:
                continue  # the project's own function of that name
            ctx.report("P0272", f"`{name}` compiles to an image instruction, which "
                       f"{ctx.options.offload_arch} does not have: hipcc's back end stops on it "
                       "(\"requested image instruction is not supported on this GPU\")", region, name_node,
                       "read the array from global memory and interpolate by hand (tex1Dfetch on linear "
                       "memory compiles), or target a GPU with image instructions (e.g. gfx908, gfx1030)")
