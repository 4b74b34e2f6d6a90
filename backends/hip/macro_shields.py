"""A program macro named like a template parameter of HIP's headers: the runtime included first.

nvcc includes its runtime before the program's code; porter's port includes hip_runtime.h where
the program first needs it, which can be after a header's ``#define T float``. HIP's headers use
``T``, ``U`` and ``n`` as template parameter names, so a later hip_runtime.h does not compile
("expected a qualified name after 'typename'"). Before such a #define porter includes the runtime
(in C++; its include guard makes the later include a no-op), as nvcc's implicit include would be.
"""

from __future__ import annotations

from porter.backends.hip.context import RewriteContext

RULE = "macro-shield"
#: template parameter names of HIP 5.2's headers (hip/amd_detail/amd_hip_vector_types.h)
TEMPLATE_PARAMETER_NAMES = frozenset({"T", "U", "n"})
_INCLUDE = "#ifdef __cplusplus\n#include <hip/hip_runtime.h>  // porter: before the macro below\n#endif\n"


def shield_macros(ctx: RewriteContext) -> None:
    if str(ctx.source.path or "").endswith(".c"):
        return
    region = ctx.syntax.file_region()
    for definition in region.find({"preproc_def", "preproc_function_def"}, region.root):
        name = definition.child_by_field_name("name")
        if name is not None and region.text(name) in TEMPLATE_PARAMETER_NAMES:
            ctx.insert(definition.start_byte, _INCLUDE, RULE)
            return
