"""Crashes the whole-corpus run (benchmarks/project_flags.py) found, each as a small source."""

import porter
from porter.ir.intrinsics import parse_type_name
from porter.ir import types as T


def test_a_type_name_with_an_x_is_not_a_vector():
    assert parse_type_name("f16x2") == T.Vector(T.Scalar("f16"), 2)
    assert parse_type_name("index_t") == T.Named("index_t")
    assert parse_type_name("Tx") == T.Named("Tx")


def test_a_template_instantiated_with_a_project_type_does_not_crash():
    text = ("typedef long index_t;\n"
            "template <typename T> __global__ void fill(T* y, T v) { y[threadIdx.x] = v; }\n"
            "void run(index_t* y) { fill<index_t><<<1, 32>>>(y, 1); }\n")
    result = porter.translate(text, "triton", name="k.cu")  # raised ValueError before
    assert result.kernels and result.kernels[0].verdict in ("ported", "refused")


def test_a_vector_made_from_one_value_is_that_value_in_every_lane():
    text = ("__global__ void k(float4* y) {\n"
            "    float4 v = make_float4(1.5f);\n"
            "    y[threadIdx.x] = v;\n}\n")
    result = porter.translate(text, "triton", name="k.cu")
    assert [k.verdict for k in result.kernels] == ["ported"], [d.message for d in result.diagnostics]
    assert all(f"v_{c} = tl.full([], 1.5, tl.float32)" in result.code for c in "xyzw")  # IndexError before
