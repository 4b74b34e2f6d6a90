"""Template instantiation on the IR: what the file asks for, with types recomputed."""

from __future__ import annotations

import pytest

from porter.ir import types as T
from porter.ir.instantiate import InstantiationError, instantiate
from porter.ir.printer import print_function
from tests.ir.helpers import build_text

TEMPLATE = """
template <typename T, int B, bool CHECK>
__global__ void __launch_bounds__(B) k(const T* in, T* out, int n) {
    __shared__ T s[B * 2];
    int i = threadIdx.x;
    if (CHECK && i >= n) return;
    s[i] = in[i] + T(1);
    out[i] = s[i] * 2;
}
"""


def template():
    module = build_text(TEMPLATE)
    return next(f for f in module.functions if f.is_template)


def test_instance_types_values_and_extents():
    fn = instantiate(template(), ("f64", "64", "1"))
    assert fn.full_name == "k<f64, 64, 1>"
    assert [str(p.type) for p in fn.params] == ["ptr<f64 const>", "ptr<f64>", "i32"]
    assert str(fn.shared[0].type) == "f64[128]"
    assert fn.launch_bounds.max_threads == 64
    text = print_function(fn, types=True)
    assert "(true && (i:i32 >= n:i32):bool):bool" in text
    assert "out:ptr<f64>[i:i32] = (s:f64[128][i:i32]:f64 * 2):f64" in text


def test_bool_arguments_normalize():
    assert instantiate(template(), ("f32", "32", "-1")).template_args == ("f32", "32", "1")


def test_template_keeps_its_parameters():
    fn = template()
    assert str(fn.shared[0].type) == "$T[B*2]"
    assert fn.params[0].type == T.Pointer(T.TypeParam("T"), const=True)


@pytest.mark.parametrize("args, message", [
    (("f32",), "no argument for B, CHECK"),
    (("f32", "x", "1"), "B = 'x' is not an integer"),
    (("f32", "1", "1", "2"), "takes 3 template arguments"),
])
def test_bad_arguments(args, message):
    with pytest.raises(InstantiationError, match=message):
        instantiate(template(), args)


def test_uninstantiated_template_kernel_is_noted():
    module = build_text(TEMPLATE)
    assert [d.id for d in module.diagnostics] == ["P0307"]


def test_unreadable_arguments_are_reported():
    module = build_text(TEMPLATE + "void h(float* a) { k<float, SIZE, true><<<1, 1>>>(a, a, 1); }")
    assert "P0309" in [d.id for d in module.diagnostics]
