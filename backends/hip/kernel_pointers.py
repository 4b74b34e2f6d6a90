"""Kernels passed to HIP calls that take `const void*`: the argument gets the cast C++ needs.

``cudaFuncSetCacheConfig(kernel, ...)`` compiles with CUDA through a template overload; HIP's
``hipFuncSetCacheConfig`` takes ``const void*`` only, and a function does not convert to it
implicitly, so the kernel argument becomes ``reinterpret_cast<const void*>(kernel)`` (what HIP's
own samples write). The calls and the argument index are data (data/kernel_pointer_calls.toml).
An argument that is already a cast is left alone.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from porter.backends.hip.context import RewriteContext

RULE = "kernel-pointer"
_CASTS = ("cast_expression",)


@cache
def kernel_pointer_calls() -> dict[str, int]:
    with (Path(__file__).parent / "data" / "kernel_pointer_calls.toml").open("rb") as handle:
        return tomllib.load(handle)["calls"]


def rewrite_kernel_pointers(ctx: RewriteContext) -> None:
    calls = kernel_pointer_calls()
    for region in ctx.regions:
        for call in region.find({"call_expression"}, region.root):
            function = call.child_by_field_name("function")
            if function is None or function.type != "identifier" or region.text(function) not in calls:
                continue
            args = call.child_by_field_name("arguments")
            arguments = [] if args is None else [a for a in args.named_children if a.type != "comment"]
            index = calls[region.text(function)]
            if len(arguments) <= index:
                continue
            kernel = arguments[index]
            text = region.text(kernel)
            if kernel.type in _CASTS or text.startswith(("reinterpret_cast", "static_cast", "(void", "(const void")):
                continue
            ctx.replace_node(region, kernel, f"reinterpret_cast<const void*>({text})", RULE)
