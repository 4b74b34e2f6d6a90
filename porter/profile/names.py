"""Kernel names as profilers print them, reduced to the name a ``__global__`` definition has."""

from __future__ import annotations

import re

_RETURN_TYPE = re.compile(r"^(?:void|float|int|auto)\s+")


def _drop_bracketed(text: str, open_: str, close: str) -> str:
    """``text`` without any top-level ``open_ ... close`` groups (nested ones go with them)."""
    out, depth = [], 0
    for ch in text:
        if ch == open_:
            depth += 1
        elif ch == close and depth:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def base_name(name: str) -> str:
    """``void ns::reduce_sum<256>(float const*, float*, int)`` -> ``reduce_sum``; a plain name
    (``ampere_sgemm_128x64_tn``, a Triton kernel's ``add_kernel``) stays as it is."""
    text = _RETURN_TYPE.sub("", name.strip())
    # `operator<` and friends would confuse the bracket walk; kernels are never operators
    text = _drop_bracketed(text, "(", ")")
    text = _drop_bracketed(text, "<", ">").strip()
    text = text.split()[-1] if text.split() else text
    return text.rsplit("::", 1)[-1] or name
