"""Kernel launches: `k<<<grid, block, shmem, stream>>>(args)` -> `hipLaunchKernelGGL(k, ...)`.

Only with ``--launch-syntax ggl``; HIP compiles the chevron form as it is. The rewrite edits only
the punctuation around the callee and the launch configuration, so names inside them are still
translated by the other rules. Template kernels are parenthesised: their commas would otherwise
split the macro's arguments.
"""

from __future__ import annotations

import re

from porter.backends.hip.context import RewriteContext
from porter.frontends.treesitter import Node, Region

RULE = "launch-ggl"
_DEFAULTS = ["0", "0"]  # dynamic shared memory bytes, stream


def rewrite_launches(ctx: RewriteContext) -> None:
    if ctx.options.launch_syntax != "ggl":
        return
    for region in ctx.regions:
        for call in region.find({"call_expression"}, region.root):
            config = next((c for c in call.children if c.type == "kernel_call_syntax"), None)
            if config is not None:
                _rewrite_launch(ctx, region, call, config)


def _rewrite_launch(ctx: RewriteContext, region: Region, call: Node, config: Node) -> None:
    callee = call.child_by_field_name("function")
    arguments = call.child_by_field_name("arguments")
    settings = [c for c in config.named_children if c.type != "comment"]
    if callee is None or arguments is None or not 2 <= len(settings) <= 4:
        ctx.report("P0260", "kernel launch porter could not take apart", region, call,
                   "HIP compiles <<<>>> launches as they are")
        return
    base = region.base
    templated = callee.type == "template_function" or "<" in region.text(callee)
    wrap = [_needs_dim3(region, s) for s in settings[:2]] + [False] * (len(settings) - 2)
    opener, closer = ("(", ")") if templated else ("", "")
    def gap(start: int, end: int, text: str) -> None:
        """Replace the punctuation between two pieces, keeping any comment in it."""
        ctx.replace(base + start, base + end, text + _comments(region.data[start:end]), RULE)

    ctx.insert(base + callee.start_byte, "hipLaunchKernelGGL(" + opener, RULE)
    gap(callee.end_byte, settings[0].start_byte, closer + ", " + ("dim3(" if wrap[0] else ""))
    for index in range(len(settings) - 1):
        gap(settings[index].end_byte, settings[index + 1].start_byte,
            (")" if wrap[index] else "") + ", " + ("dim3(" if wrap[index + 1] else ""))
    missing = _DEFAULTS[len(settings) - 2:]
    has_arguments = any(c.type != "comment" for c in arguments.named_children)
    tail = (")" if wrap[len(settings) - 1] else "") + "".join(", " + m for m in missing)
    gap(settings[-1].end_byte, arguments.start_byte + 1, tail + (", " if has_arguments else ""))


def _comments(gap: bytes) -> str:
    found = re.findall(rb"/\*.*?\*/|//[^\n]*\n", gap, flags=re.S)
    return "".join(c.decode() + ("" if c.endswith(b"\n") else " ") for c in found)


def _needs_dim3(region: Region, setting: Node) -> bool:
    return not region.text(setting).replace(" ", "").startswith("dim3(")
