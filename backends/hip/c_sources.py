"""C sources (.c) that include the HIP runtime: the platform macro a C compile needs.

A C file may include cuda_runtime.h (its C API), or get porter's runtime include. hipcc compiles
a .c file as C, without the defines it gives HIP sources, and hip_runtime.h then stops ("Must
define exactly one of __HIP_PLATFORM_AMD__ or __HIP_PLATFORM_NVIDIA__"). In a .c file porter
defines ``__HIP_PLATFORM_AMD__`` (the platform porter targets) just before the runtime include,
through the include rule's defines, which it writes only where the file includes the runtime.
Runs before the include rule.
"""

from __future__ import annotations

from porter.backends.hip.context import RewriteContext

PLATFORM = "__HIP_PLATFORM_AMD__"


def define_platform_for_c(ctx: RewriteContext) -> None:
    if str(ctx.source.path or "").endswith(".c") and PLATFORM not in ctx.defines_needed:
        ctx.defines_needed.append(PLATFORM)
