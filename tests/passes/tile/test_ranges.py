"""Value ranges of block-program integers, and the lowest lane's value (porter.passes.tile.ranges)."""

import pytest

from porter.passes.tile.program import V, fmt
from porter.passes.tile.ranges import lowest_lane, value_range

TID = V("tid", "u32", True, ("x",))
BDIM = V("bdim", "u32", False, ("x",))
BID = V("bid", "u32", False, ("x",))
N = V("param", "i32", False, ("n",))


def const(value, dtype="i32"):
    return V("const", dtype, False, (value,))


def cast(v, dtype):
    return V("cast", dtype, v.vec, (v,))


def binary(op, a, b, dtype):
    return V("bin", dtype, a.vec or b.vec, (op, a, b))


@pytest.mark.parametrize("value, expected", [
    (TID, (0, 1023)),
    (cast(TID, "i32"), (0, 1023)),
    (binary("*", TID, const(2, "u32"), "u32"), (0, 2046)),
    (binary("+", binary("*", TID, const(4, "u32"), "u32"), const(3, "u32"), "u32"), (3, 4095)),
    (binary("-", cast(TID, "i32"), const(512), "i32"), (-512, 511)),
    (binary("*", cast(TID, "i32"), cast(BDIM, "i32"), "i32"), (0, 1023 * 1024)),
    (N, (-2**31, 2**31 - 1)),
])
def test_ranges_of_coordinates_and_their_arithmetic(value, expected):
    assert value_range(value) == expected


@pytest.mark.parametrize("value", [
    binary("+", N, cast(TID, "i32"), "i32"),  # a parameter plus anything may wrap
    binary("+", binary("*", BID, BDIM, "u32"), TID, "u32"),  # blocks x threads: beyond 32 bits
    cast(binary("-", TID, const(1, "u32"), "u32"), "i32"),  # 0 - 1 wraps in u32
    V("math", "i32", True, ("max", N, N)),  # not followed
])
def test_values_that_may_wrap_or_are_not_followed_have_no_range(value):
    assert value_range(value) is None


@pytest.mark.parametrize("value, expected", [
    (cast(TID, "i32"), "0"),
    (binary("+", binary("*", cast(TID, "i32"), const(4), "i32"), const(3), "i32"), "3"),
    (binary("*", cast(TID, "i32"), cast(BDIM, "i32"), "i32"), "(0 * cast<i32>(bdim.x))"),
])
def test_the_lowest_lane_of_rising_expressions(value, expected):
    low = lowest_lane(value)
    assert low is not None and not low.vec and fmt(low) == expected


@pytest.mark.parametrize("value", [
    binary("-", const(100), cast(TID, "i32"), "i32"),  # falls as the coordinate rises
    binary("*", cast(TID, "i32"), const(-2), "i32"),  # a negative multiple
    binary("+", N, cast(TID, "i32"), "i32"),  # may wrap
    binary("*", cast(TID, "i32"), cast(TID, "i32"), "i32"),  # not linear in the coordinate
])
def test_expressions_whose_lowest_lane_is_not_the_first_have_none(value):
    assert lowest_lane(value) is None
