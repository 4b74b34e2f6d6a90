"""The NKI emitter: expected text for a small kernel, refusals as diagnostics, and runs under
porter's NKI model (ragged last block, padding lanes)."""

import importlib.util
from pathlib import Path

import numpy as np
from porter.backends.nki.model import model_installed

import porter

CASES = Path(__file__).parent / "emit_cases"


def _kernels_text(code: str) -> str:
    return code[code.index("@nki.jit"):]


def test_saxpy_matches_expected_text():
    result = porter.translate(CASES / "saxpy.cu", "nki")
    assert not result.errors
    assert _kernels_text(result.code) == (CASES / "saxpy.expected.py").read_text()


def _load(code: str, tmp_path: Path):
    path = tmp_path / "port_nki.py"
    path.write_text(code)
    spec = importlib.util.spec_from_file_location("port_nki", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_saxpy_runs_under_the_model_with_a_ragged_edge(tmp_path):
    code = porter.translate(CASES / "saxpy.cu", "nki").code
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(1000).astype(np.float32), rng.standard_normal(1000).astype(np.float32)
    with model_installed(force=True):
        module = _load(code, tmp_path)
        out = module.KERNELS["saxpy"](1000, np.float32(2.5), x, y.copy(), grid=(4, 1, 1), block=(250, 1, 1))
    assert set(out) == {3}
    np.testing.assert_allclose(out[3], np.float32(2.5) * x + y, rtol=1e-6)


def test_shared_memory_is_refused_with_its_line():
    source = """__global__ void block_sum(const float* x, float* out) {
    __shared__ float s[128];
    s[threadIdx.x] = x[threadIdx.x];
    __syncthreads();
    if (threadIdx.x == 0) out[0] = s[0] + s[1];
}
"""
    result = porter.translate(source, "nki", name="block_sum.cu")
    assert [d.id for d in result.errors] == ["P0701"]
    assert "block_sum" in result.errors[0].message and "shared" in result.errors[0].message
    assert "KERNELS = {}" in result.code


def test_integer_remainder_is_refused():
    source = """__global__ void mod3(const int* x, int* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = x[i] % 3;
}
"""
    result = porter.translate(source, "nki", name="mod3.cu")
    assert [d.id for d in result.errors] == ["P0708"]
    assert result.errors[0].span.line == 3
