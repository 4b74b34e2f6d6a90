"""cuda_bf16.h intrinsics for a HIP that has no hip_bf16.h (before 6.0).

Before HIP 6.0 the bf16 type is ``hip_bfloat16`` (hip/hip_bfloat16.h): a struct with the 16 bits
in ``data``, a rounding constructor from float and a conversion to float, and no intrinsics.
porter's renames cover the float conversions (__float2bfloat16, __bfloat162float). The others:

* those device_intrinsics.toml [bf16] can compute exactly become a porter helper: a bf16 value is
  a float, so a conversion to an integer goes through float with the same rounding, and the bit
  casts read or write ``data``;
* CUDA's bf16 type becomes ``__porter_bfloat16``: hip_bfloat16 with CUDA's implicit conversions
  from float, double and the integers (rounding once, as CUDA's), so that ``T x = 1.0f;`` and
  ``a[i] = f;`` compile as they do with CUDA;
* every other bf16 name of HIPIFY's device tables that has no HIP name is an error (P0271) on its
  line, with the hint to target HIP 6.0 or convert through float, instead of an undeclared name
  that only the compiler finds.
"""

from __future__ import annotations

from functools import cache

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.device_intrinsics import intrinsics_table
from porter.backends.hip.project_symbols import project_names
from porter.backends.hip.tables import hipify_api, porter_table
from porter.frontends.treesitter import iter_name_leaves

RULE = "bf16-intrinsic"
KEY = "bf16:"  # helper keys are "bf16:<cuda name>", and "bf16:type" for porter's bf16 type
TYPE = "type"
PREFIX = "__porter_"


def _table() -> dict:
    return intrinsics_table()["bf16"]


def helper_name(cuda_name: str) -> str:
    return PREFIX + cuda_name.lstrip("_")


def definition(cuda_name: str) -> str | None:
    """The C++ text of the helper for ``cuda_name`` (from its [bf16] row; TYPE for porter's bf16
    type), or None."""
    table = _table()
    row = table["to_integer"].get(cuda_name)
    if cuda_name == TYPE:
        body = table["type_definition"].strip("\n") + "\n" + "\n".join(
            f"static __device__ inline hip_bfloat16 {name}(hip_bfloat16 h) {{ const float x = h; "
            f"return hip_bfloat16({expression}); }}"
            for name, expression in table["unary_math"].items())
    elif row is not None:
        body = (f"static __device__ inline {row['type']} {helper_name(cuda_name)}(hip_bfloat16 h) {{\n"
                f"  return {row['via']}(static_cast<float>(h));\n}}")
    elif cuda_name in table["bits"]:
        body = table["bits"][cuda_name].strip("\n").replace("NAME", helper_name(cuda_name))
    else:
        return None
    what = "bf16 type, conversions and half-precision overloads" if cuda_name == TYPE else cuda_name
    return (f"// porter: CUDA's {what} for HIP before {table['until']} (hip_bfloat16 has no intrinsics)\n"
            f"#include <hip/hip_bfloat16.h>\n{body}\n")


@cache
def _missing_names() -> frozenset[str]:
    """bf16 names of HIPIFY's device tables with no HIP name, less those porter's renames handle."""
    handled = set(porter_table()["renames"])
    return frozenset(name for name, entry in hipify_api().items()
                     if "bfloat16" in name and entry.family == "device" and not entry.hip and name not in handled)


def rewrite_bf16_intrinsics(ctx: RewriteContext) -> None:
    table = _table()
    if ctx.options.at_least(table["until"]):
        return
    missing = _missing_names()
    computed = set(table["to_integer"]) | set(table["bits"])
    types = set(table["types"])
    declared = None
    for region in ctx.regions:
        for leaf in iter_name_leaves(region.root):
            name = region.text(leaf)
            if name in types and leaf.type in ("identifier", "type_identifier"):
                if ctx.replace_node(region, leaf, table["type_name"], RULE):
                    ctx.helpers_needed.add(KEY + TYPE)
                continue
            if leaf.type != "identifier":
                continue
            if name not in missing and name not in computed:
                continue
            if declared is None:
                declared = project_names(ctx.syntax, ctx.source.path,
                                         getattr(ctx.source.project, "include_dirs", ()))
            if name in declared:
                continue  # the project defines it itself
            if name in computed:
                if ctx.replace_node(region, leaf, helper_name(name), RULE):
                    ctx.helpers_needed.add(KEY + name)
            elif not ctx.edits.overlaps(*region.file_range(leaf)):
                ctx.report("P0271", f"`{name}` is not in HIP {ctx.options.hip_version}: before HIP "
                           f"{table['until']} the bf16 type is hip_bfloat16 (hip/hip_bfloat16.h), which "
                           "converts only to and from float and has no intrinsics", region, leaf,
                           f"target --hip-version {table['until']} or later, or compute it through float "
                           "(static_cast<float>(h), hip_bfloat16(f))")
