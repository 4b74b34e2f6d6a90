"""Integer value ranges of block-program values, and where a value is lowest across the lanes.

Two questions a rewrite asks before it computes something in fewer bits or once per block:

* :func:`value_range`: every value an integer expression can take, ``(low, high)``, when no step
  of it can wrap around in its type (else None). The built-in coordinates are bounded by CUDA's
  launch limits (``threadIdx.x < 1024``, ``blockDim.z <= 64``, ``gridDim.x < 2**31`` ...);
  parameters and memory are unknown (their type's range, so a sum with one of them may wrap: None).
* :func:`lowest_lane`: the value at the lowest thread coordinates (``tid`` = 0) of an expression
  that no thread coordinate can make smaller (sums and non-negative multiples of the coordinates,
  which :func:`value_range` shows cannot wrap), as a uniform value; else None.
"""

from __future__ import annotations

from porter.passes.tile.program import V

#: each type's values
TYPE_RANGES = {"i8": (-2**7, 2**7 - 1), "u8": (0, 2**8 - 1), "i16": (-2**15, 2**15 - 1), "u16": (0, 2**16 - 1),
               "i32": (-2**31, 2**31 - 1), "u32": (0, 2**32 - 1), "i64": (-2**63, 2**63 - 1), "u64": (0, 2**64 - 1)}

#: CUDA's launch limits: threads per block (x, y <= 1024, z <= 64), blocks per grid (x < 2**31,
#: y, z < 2**16); a padding lane's coordinate is below the dimension's power of two, within these
BUILTIN_RANGES = {
    ("tid", "x"): (0, 1023), ("tid", "y"): (0, 1023), ("tid", "z"): (0, 63),
    ("bdim", "x"): (1, 1024), ("bdim", "y"): (1, 1024), ("bdim", "z"): (1, 64),
    ("bid", "x"): (0, 2**31 - 2), ("bid", "y"): (0, 2**16 - 2), ("bid", "z"): (0, 2**16 - 2),
    ("gdim", "x"): (1, 2**31 - 1), ("gdim", "y"): (1, 2**16 - 1), ("gdim", "z"): (1, 2**16 - 1),
}


def value_range(v: V) -> tuple[int, int] | None:
    """``(low, high)`` of integer value ``v``, or None when unknown or when it may wrap around."""
    limits = TYPE_RANGES.get(v.dtype)
    if limits is None:
        return None
    a = v.args
    found: tuple[int, int] | None = None
    match v.op:
        case "const" if isinstance(a[0], int) and not isinstance(a[0], bool):
            found = a[0], a[0]
        case "tid" | "bdim" | "bid" | "gdim":
            found = BUILTIN_RANGES.get((v.op, a[0]))
        case "param" | "var" | "load":
            found = limits  # anything of its type
        case "cast" if a[0].dtype in TYPE_RANGES:
            found = value_range(a[0])  # kept only if the new type holds it (below)
        case "bin" if a[0] in ("+", "-", "*"):
            left, right = value_range(a[1]), value_range(a[2])
            if left is not None and right is not None:
                found = _arithmetic(a[0], left, right)
    if found is None or found[0] < limits[0] or found[1] > limits[1]:
        return None
    return found


def _arithmetic(op: str, left: tuple[int, int], right: tuple[int, int]) -> tuple[int, int]:
    if op == "+":
        return left[0] + right[0], left[1] + right[1]
    if op == "-":
        return left[0] - right[1], left[1] - right[0]
    corners = [x * y for x in left for y in right]
    return min(corners), max(corners)


def lowest_lane(v: V) -> V | None:
    """``v`` at ``tid`` = (0, 0, 0), a uniform value, when no lane's value is below it; else None.

    Holds for sums (and differences by uniform values) and casts of thread coordinates, their
    multiples by non-negative uniform values and uniform values, where :func:`value_range` shows
    that no step wraps; anything else is None."""
    return _at_zero(v)  # (checks every lane-varying step's range)


def _at_zero(v: V) -> V | None:
    if not v.vec:
        return v
    a = v.args
    match v.op:
        case "tid":
            return V("const", v.dtype, False, (0,))
        case "cast" if v.dtype in TYPE_RANGES and value_range(v) is not None:
            inner = _at_zero(a[0])
            if inner is not None and inner.op == "const":
                return V("const", v.dtype, False, inner.args)  # in the type's range (checked above)
            return None if inner is None else V("cast", v.dtype, False, (inner,))
        case "bin" if a[0] in ("+", "-", "*") and value_range(v) is not None:
            op, left, right = a
            if op == "-" and right.vec:
                return None  # a coordinate subtracted: its lowest lane gives the highest value
            if op == "*":
                scale = right if left.vec else left
                factor = value_range(scale)
                if left.vec and right.vec or factor is None or factor[0] < 0:
                    return None
            low_left, low_right = _at_zero(left), _at_zero(right)
            if low_left is None or low_right is None:
                return None
            if low_left.op == "const" and low_right.op == "const":
                return V("const", v.dtype, False, (_arithmetic(op, low_left.args * 2, low_right.args * 2)[0],))
            return V("bin", v.dtype, False, (op, low_left, low_right))
    return None
