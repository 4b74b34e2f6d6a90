"""Device intrinsics HIP lacks at the target version: cache-hint loads and stores, SIMD video
intrinsics, late half-precision math. Each call becomes a porter helper (defined once, after the
HIP runtime include) that computes what CUDA's does; what porter cannot model is an error.

The facts are in device_intrinsics.toml; the helper texts are looked up through
:func:`helper_text`, which the include rule uses for every ``ctx.helpers_needed`` entry.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

from porter.backends.hip import simd_video
from porter.backends.hip.context import RewriteContext
from porter.frontends.treesitter import Node, Region

RULE = "device-intrinsic"
#: helper keys for SIMD video functions are "simd:<cuda name>"
_SIMD = "simd:"


@cache
def intrinsics_table() -> dict:
    with (Path(__file__).parent / "device_intrinsics.toml").open("rb") as handle:
        return tomllib.load(handle)


def helper_text(key: str) -> str | None:
    """The C++ text of helper ``key`` (a [helpers] name or "simd:<name>"), guarded so that two
    ported headers of one project may both carry it."""
    table = intrinsics_table()
    if key.startswith(_SIMD):
        name = key[len(_SIMD):]
        body = simd_video.definition(name, table["simd_video"][name])
    elif key.startswith("bf16:"):
        from porter.backends.hip import bf16_intrinsics  # it reads this module's table

        body = bf16_intrinsics.definition(key[len("bf16:"):])
        if body is None:
            return None
    elif key in table["helpers"]:
        body = table["helpers"][key]
    else:
        return None
    guard = "PORTER_HELPER_" + re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_").upper()
    body = body.strip("\n")
    return f"#ifndef {guard}\n#define {guard}\n{body}\n#endif\n"


def call_name(region: Region, function: Node) -> tuple[str, Node] | None:
    """The called name and the node to replace: `f`, `::f` (global scope) or `f<T>`."""
    if function.type == "identifier":
        return region.text(function), function
    if function.type == "qualified_identifier" and function.child_by_field_name("scope") is None:
        name = function.child_by_field_name("name")
        if name is not None and name.type == "identifier":
            return region.text(name), function
    return None


def rewrite_device_intrinsics(ctx: RewriteContext) -> None:
    table = intrinsics_table()
    for region in ctx.regions:
        for call in region.find({"call_expression"}, region.root):
            function = call.child_by_field_name("function")
            found = None if function is None else call_name(region, function)
            if found is None:
                continue
            name, node = found
            if name in table["cache_hints"]:
                _to_helper(ctx, region, node, table["cache_hints"][name], "__porter_" + table["cache_hints"][name]["helper"])
            elif name in table["half_math"]:
                entry = table["half_math"][name]
                _to_helper(ctx, region, node, entry, "__porter_" + entry["helper"])
            elif name in table["simd_video"]:
                if ctx.replace_node(region, node, simd_video.helper_name(name), RULE):
                    ctx.helpers_needed.add(_SIMD + name)
            elif name in table["simd_video_unsupported"]:
                ctx.report("P0292", f"`{name}` has no HIP equivalent and porter does not emulate it: "
                           f"{table['simd_video_unsupported'][name]}", region, node,
                           "compute it lane by lane with shifts and masks")


def _to_helper(ctx: RewriteContext, region: Region, node: Node, entry: dict, helper: str) -> None:
    if ctx.options.at_least(entry["until"]):
        return
    if ctx.replace_node(region, node, helper, RULE):
        ctx.helpers_needed.add(entry["helper"])
