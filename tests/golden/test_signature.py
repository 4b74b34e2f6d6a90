from __future__ import annotations

from porter.golden.signature import kernel_signatures

SOURCE = b"""
#include <cuda_fp16.h>
__device__ float helper(float x) { return x; }
template <int BLOCK>
__global__ void __launch_bounds__(256) reduce(const float* __restrict__ x, float *out, int n,
                                              unsigned int m, const __half2* h, float a[]) {}
extern "C" __global__ void k2(float * const p, double d, float const* q) {}
static __global__ void k3(__nv_bfloat162 *p, const float4* __restrict__ q, size_t s) {}
__global__ void declared_only(float* p);
"""


def test_reads_kernels_and_their_parameters():
    found = kernel_signatures(SOURCE)
    assert sorted(found) == ["k2", "k3", "reduce"]
    reduce = found["reduce"][0]
    assert reduce.template
    assert [(p.name, p.element, p.pointer, p.const) for p in reduce.params] == [
        ("x", "float", True, True), ("out", "float", True, False), ("n", "int", False, False),
        ("m", "unsigned int", False, False), ("h", "__half2", True, True), ("a", "float", True, False)]
    assert [p.cast_type for p in reduce.params] == [
        "const float*", "float*", "int", "unsigned int", "const __half2*", "float*"]


def test_const_pointer_is_not_const_data():
    params = kernel_signatures(SOURCE)["k2"][0].params
    assert (params[0].pointer, params[0].const) == (True, False)
    assert (params[2].pointer, params[2].const) == (True, True)  # east const


def test_non_template_kernel_and_line():
    k3 = kernel_signatures(SOURCE)["k3"][0]
    assert not k3.template
    assert k3.line == 8
    assert [p.element for p in k3.params] == ["__nv_bfloat162", "float4", "size_t"]
