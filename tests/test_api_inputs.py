"""``porter.translate`` checks its arguments: wrong types give a TypeError that names the argument,
text porter cannot hold gives an InputError with a diagnostic id, never an error from deep inside."""

from __future__ import annotations

from pathlib import Path

import pytest

import porter

KERNEL = "__global__ void k(float* a) { a[threadIdx.x] = 1.0f; }\n"


@pytest.mark.parametrize("source, expected", [
    (None, "not NoneType"),
    (42, "not int"),
    (KERNEL.encode(), "not bytes; decode it first"),
    ([KERNEL], "not list"),
    (Path(__file__).parent.joinpath("x.cu").as_posix().encode(), "not bytes"),
])
def test_bad_source_types_raise_type_error(source, expected):
    with pytest.raises(TypeError, match="translate\\(\\) takes CUDA source") as raised:
        porter.translate(source)
    assert expected in str(raised.value)


@pytest.mark.parametrize("target", [None, 3, ["hip"]])
def test_bad_target_type_raises_type_error(target):
    with pytest.raises(TypeError, match="translate\\(\\) takes target as a str"):
        porter.translate(KERNEL, target)


def test_unknown_target_is_a_value_error():
    with pytest.raises(ValueError, match="unknown target 'cuda'"):
        porter.translate(KERNEL, "cuda")


def test_bad_name_type_raises_type_error():
    with pytest.raises(TypeError, match="takes name as a str"):
        porter.translate(KERNEL, name=7)


def test_lone_surrogate_is_an_input_error():
    with pytest.raises(porter.InputError) as raised:
        porter.translate(KERNEL + "// \udc80\n")
    assert raised.value.diag_id == "P0031"
    assert "line 2 col 4" in raised.value.message


def test_device_path_is_an_input_error():
    with pytest.raises(porter.InputError) as raised:
        porter.translate(Path("/dev/null"))
    assert raised.value.diag_id == "P0030"
