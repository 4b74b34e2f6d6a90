"""The `register` storage class: dropped from C++ sources.

C++17 removed ``register`` and hipcc's clang rejects it there ("ISO C++17 does not allow 'register'
storage class specifier"), while nvcc accepts it; it never changed what a program computes (a
hint the compilers ignore), so porter deletes the keyword. C sources (.c) keep it: C still has it.
"""

from __future__ import annotations

from porter.backends.hip.context import RewriteContext

RULE = "register-keyword"


def drop_register_keyword(ctx: RewriteContext) -> None:
    if str(ctx.source.path or "").endswith(".c"):
        return
    for region in ctx.regions:
        for node in region.find({"storage_class_specifier"}, region.root):
            if region.text(node) != "register":
                continue
            start, end = region.file_range(node)
            data = ctx.source.data
            while end < len(data) and data[end:end + 1] in (b" ", b"\t"):
                end += 1  # and the space after it
            ctx.replace(start, end, "", RULE)
