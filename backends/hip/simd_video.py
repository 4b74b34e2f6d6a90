"""C++ definitions of CUDA's SIMD video intrinsics (`__vadd4`, `__vmaxs2`, ...) for HIP, which has none.

Each is generated from its row in device_intrinsics.toml [simd_video]: the word is split into
4 bytes or 2 halfwords, each lane sign- or zero-extended to ``long long x, y``, the row's
expression computed, and the result truncated back into the lane (or, for ``kind = "sum"``,
added up). The functions are ``__host__ __device__`` so they can be checked on the host.
"""

from __future__ import annotations

PREFIX = "__porter_"


def helper_name(cuda_name: str) -> str:
    return PREFIX + cuda_name.lstrip("_")


def definition(cuda_name: str, row: dict) -> str:
    lanes = int(row["lanes"])
    if lanes not in (2, 4):
        raise ValueError(f"{cuda_name}: lanes must be 2 or 4")
    bits = 32 // lanes
    mask = (1 << bits) - 1
    signed = bool(row.get("signed"))
    lane_type = ("signed char" if bits == 8 else "short") if signed else ("unsigned char" if bits == 8 else "unsigned short")
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, mask)
    kind = row.get("kind", "lane")
    unary = kind == "unary"
    params = "unsigned int a" if unary else "unsigned int a, unsigned int b"
    lines = [f"static __host__ __device__ inline unsigned int {helper_name(cuda_name)}({params}) {{",
             "  unsigned int r = 0;",
             f"  const long long lo = {lo}LL, hi = {hi}LL;",
             "  (void)lo; (void)hi;",
             f"  for (int i = 0; i < 32; i += {bits}) {{",
             f"    const long long x = ({lane_type})((a >> i) & 0x{mask:x}u);"]
    if not unary:
        lines.append(f"    const long long y = ({lane_type})((b >> i) & 0x{mask:x}u);")
    if kind == "sum":
        lines.append(f"    r += (unsigned int)({row['op']});")
    else:
        lines.append(f"    r |= ((unsigned int)({row['op']}) & 0x{mask:x}u) << i;")
    lines += ["  }", "  return r;", "}"]
    return "\n// porter: CUDA's " + cuda_name + " (HIP has no SIMD video intrinsics)\n" + "\n".join(lines) + "\n"
