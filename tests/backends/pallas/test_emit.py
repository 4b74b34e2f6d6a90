"""The Pallas emitter on small kernels: the module contract, both flavours, refusals, expected text."""

from pathlib import Path

import numpy as np
import pytest

import porter
from tests.passes.tile.cases import KERNELS

jax = pytest.importorskip("jax")
EXPECTED = Path(__file__).parent / "expected"

SAXPY = """
__global__ void saxpy(int n, float a, const float* x, float* y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        y[i] = a * x[i] + y[i];
    }
}
"""
HISTO = """
__global__ void histo(const int* v, int* bins, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) atomicAdd(&bins[v[i]], 1);
}
"""
GATHER = """
__global__ void gather(const int* idx, const float* x, float* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = x[idx[i]];
}
"""


def translate(text: str, name: str, flavor: str = "gpu"):
    return porter.translate(text, "pallas", name=f"{name}.cu", flavor=flavor)


def load(code: str):
    namespace: dict = {}
    exec(compile(code, "port.py", "exec"), namespace)
    namespace["INTERPRET"] = True
    return namespace


@pytest.mark.parametrize("flavor", ["gpu", "tpu"])
def test_saxpy_expected_text(flavor):
    result = translate(SAXPY, "saxpy", flavor)
    assert result.ok, result.diagnostics
    expected = (EXPECTED / f"saxpy_{flavor}.py").read_text()
    assert result.code == expected


def test_module_contract_and_comments():
    code = translate(SAXPY, "saxpy").code
    assert "KERNELS = {'saxpy': saxpy}" in code
    assert "def saxpy(n, a, x, y, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0):" in code
    assert "plt.CompilerParams(" in code and "input_output_aliases={1: 0}" in code
    assert "# saxpy.cu:5" in code and "pl.program_id(0)" in code


@pytest.mark.parametrize("flavor", ["gpu", "tpu"])
def test_saxpy_runs_in_the_interpreter(flavor):
    ns = load(translate(SAXPY, "saxpy", flavor).code)
    if flavor == "tpu":
        from jax.experimental.pallas import tpu as pltpu
        ns["INTERPRET"] = pltpu.InterpretParams(detect_races=True)
    x = np.arange(300, dtype=np.float32)
    y = np.ones(300, np.float32)
    out = ns["KERNELS"]["saxpy"](300, 2.0, x, y, grid=(3, 1, 1), block=(128, 1, 1))
    assert set(out) == {3}
    np.testing.assert_allclose(np.asarray(out[3]), 2 * x + 1)


def test_control_flow_becomes_lax_loops_and_conds():
    code = translate(KERNELS["varying_trip"], "varying_trip").code
    assert "lax.while_loop(" in code and "masked loop" in code
    code = translate(KERNELS["phases"], "phases").code
    assert "_barrier()  # __syncthreads" in code and "_off_tile = _pid * _size_tile" in code


def test_gpu_atomics_with_repeated_indices():
    result = translate(HISTO, "histo")
    assert result.ok and "_atomic('add'" in result.code
    ns = load(result.code)
    v = np.array([0, 1, 1, 3, 3, 3, 0, 2] * 20, np.int32)
    out = ns["KERNELS"]["histo"](v, np.zeros(4, np.int32), v.size, grid=(2, 1, 1), block=(100, 1, 1))
    assert np.asarray(out[1]).tolist() == [40, 40, 20, 60]


def test_tpu_refuses_atomics_and_gathers_by_name():
    atomics = translate(HISTO, "histo", "tpu")
    assert [d.id for d in atomics.errors] == ["P0602"]
    assert "atomicAdd" in atomics.errors[0].message and atomics.errors[0].span.line == 4
    gather = translate(GATHER, "gather", "tpu")
    assert [d.id for d in gather.errors] == ["P0607"]
    assert "gather" in gather.errors[0].message
    shared = translate(KERNELS["phases"], "phases", "tpu")
    assert shared.errors[0].id == "P0603"
    assert translate(GATHER, "gather", "gpu").ok


def test_flavor_option_is_checked():
    with pytest.raises(ValueError, match="flavor"):
        translate(SAXPY, "saxpy", "npu")
