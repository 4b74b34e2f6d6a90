"""Complete NKI-style kernels run under porter's model (not AWS's simulator), checked with numpy."""

import sys

import numpy as np
import pytest

from porter.backends.nki.model import model_installed, run_kernel

with model_installed(force=True):
    from tests.backends.nki import nki_style_kernels as kernels

RNG = np.random.default_rng(7)


def test_kernels_were_built_against_the_model():
    assert kernels.nki.__porter_model__ and kernels.nl.__porter_model__ and kernels.nisa.__porter_model__
    assert "nki" not in sys.modules or not getattr(sys.modules["nki"], "__porter_model__", False)


@pytest.mark.parametrize("shape", [(300, 700), (128, 512), (5, 3)])
def test_vector_add_with_ragged_edges(shape):
    a = RNG.standard_normal(shape).astype(np.float32)
    b = RNG.standard_normal(shape).astype(np.float32)
    out, trace = run_kernel(kernels.vector_add, a, b, check_uninitialized=True, return_trace=True)
    np.testing.assert_array_equal(out, a + b)  # one float32 add: exact
    tiles = -(-shape[0] // 128) * -(-shape[1] // 512)
    assert trace.instructions["tensor_tensor"] == tiles
    assert {kind for kind, _ in trace.loops} == {"affine_range"}


def test_row_softmax():
    x = (RNG.standard_normal((200, 96)) * 4).astype(np.float32)
    out = run_kernel(kernels.row_softmax, x, check_uninitialized=True)
    e = np.exp(x.astype(np.float64) - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(out, e / e.sum(axis=1, keepdims=True), rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("m,k,n", [(96, 256, 300), (128, 128, 512), (1, 384, 1)])
def test_matmul_through_psum(m, k, n):
    a = RNG.standard_normal((m, k)).astype(np.float32)
    b = RNG.standard_normal((k, n)).astype(np.float32)
    out = run_kernel(kernels.matmul, np.ascontiguousarray(a.T), b, check_uninitialized=True)
    np.testing.assert_allclose(out, a.astype(np.float64) @ b, rtol=1e-4, atol=1e-4)


def test_row_sum_with_sequential_chunks():
    x = RNG.standard_normal((260, 1000)).astype(np.float32)
    out, trace = run_kernel(kernels.row_sum, x, return_trace=True)
    np.testing.assert_allclose(out[:, 0], x.astype(np.float64).sum(axis=1), rtol=1e-4, atol=1e-4)
    assert ("sequential_range", 2) in trace.loops


def test_jit_kernel_called_with_numpy_runs_under_the_model():
    a = np.ones((3, 4), np.float32)
    np.testing.assert_array_equal(kernels.vector_add(a, a), 2 * a)
    np.testing.assert_array_equal(kernels.nki.simulate(kernels.vector_add)(a, a), 2 * a)
