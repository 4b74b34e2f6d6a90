"""`__ffs`/`__ffsll` of a `long`-typed value: ambiguous in HIP, cast to CUDA's parameter type.

HIP overloads these built-ins for a signed and an unsigned type where CUDA has one signature, so
``__ffsll(x)`` with ``int64_t x`` does not compile ("call to '__ffsll' is ambiguous"). Where the
argument is a variable (``x``, ``x[i]``, ``*x``) declared with such a type, it becomes
``static_cast<long long>(...)``: CUDA's own conversion. Data: data/bit_call_casts.toml.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

from porter.backends.hip.context import RewriteContext
from porter.backends.hip.warp_builtins import declared_type

RULE = "bit-argument"
_BASE_NAME = re.compile(r"^\s*[&*]?\s*([A-Za-z_]\w*)\s*(\[.*\])?\s*$", re.S)


@cache
def bit_call_casts() -> dict:
    with (Path(__file__).parent / "data" / "bit_call_casts.toml").open("rb") as handle:
        return tomllib.load(handle)


def rewrite_bit_arguments(ctx: RewriteContext) -> None:
    table = bit_call_casts()
    calls, ambiguous = table["calls"], set(table["ambiguous"]["types"])
    for region in ctx.regions:
        for call in region.find({"call_expression"}, region.root):
            function = call.child_by_field_name("function")
            if function is None or function.type != "identifier" or region.text(function) not in calls:
                continue
            args = call.child_by_field_name("arguments")
            arguments = [] if args is None else [a for a in args.named_children if a.type != "comment"]
            if len(arguments) != 1:
                continue
            text = region.text(arguments[0])
            match = _BASE_NAME.match(text)
            if match is None:
                continue
            written = declared_type(region, call, match.group(1))
            if written is None or written.removeprefix("const ").strip() not in ambiguous:
                continue
            ctx.replace_node(region, arguments[0], f"static_cast<{calls[region.text(function)]}>({text})", RULE)
