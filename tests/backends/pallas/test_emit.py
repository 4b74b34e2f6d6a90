"""The Pallas emitter on small kernels: the module contract, both flavours, refusals, expected text."""

import os
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
    path = EXPECTED / f"saxpy_{flavor}.py"
    if os.environ.get("PORTER_UPDATE_EXPECTED") == "1":  # after an intended change; review the diff
        path.write_text(result.code)
    assert result.code == path.read_text()


def test_module_contract_and_comments():
    code = translate(SAXPY, "saxpy").code
    assert "KERNELS = {'saxpy': saxpy}" in code
    assert "def saxpy(n, a, x, y, *, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0, stream=None):" in code
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


COUNTER = """
__global__ void compact(const int* v, int* out, int* count, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n && v[i] > 0) {
        int at = atomicAdd(count, 1);
        out[at] = v[i];
    }
}
"""
WARP_SUM = """
__global__ void warp_sum(const float* x, float* out) {
    float v = x[blockIdx.x * blockDim.x + threadIdx.x];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffff, v, o);
    if (threadIdx.x % 32 == 0) out[(blockIdx.x * blockDim.x + threadIdx.x) / 32] = v;
}
"""
WIDE_INDEX = """
__global__ void rows(const float* x, float* y, int cols) {
    const float* row = x + (size_t)blockIdx.x * cols;
    size_t base = (size_t)blockIdx.x * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) y[base + c] = 2.0f * row[c];
}
"""
WIDE_VALUE = """
__global__ void steps(const int* x, long long* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) { long long v = x[i]; out[i] = v * v * v; }
}
"""
XOR = """
__global__ void xors(const int* v, int* acc, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) atomicXor(acc, v[i]);
}
"""
MAX_INT = """
__global__ void biggest(const int* v, int* best, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) atomicMax(best, v[i]);
}
"""


def tpu_load(code: str):
    from jax.experimental.pallas import tpu as pltpu
    ns = load(code)
    ns["INTERPRET"] = pltpu.InterpretParams(detect_races=True)
    return ns


def lowers(code: str, kernel: str, platform: str, *args, **launch):
    """Whether jax.export runs the real lowering (Mosaic TPU or Triton) of one launch."""
    from porter.check.pallas import _pretend_tpu_info
    ns = load(code)
    ns["INTERPRET"] = False
    if platform == "tpu":
        _pretend_tpu_info()
    arrays = [k for k, a in enumerate(args) if isinstance(a, np.ndarray)]

    def call(*xs):
        given = list(args)
        for k, x in zip(arrays, xs):
            given[k] = x
        return ns["KERNELS"][kernel](*given, **launch)
    checks = [jax.export.DisabledSafetyCheck.custom_call(t) for t in ("tpu_custom_call", "__gpu$xla.gpu.triton")]
    try:
        jax.export.export(jax.jit(call), platforms=[platform], disabled_checks=checks)(*(args[k] for k in arrays))
    except Exception as error:
        if "no compatibility guarantees" not in str(error):
            raise


def test_tpu_block_model_shared_memory_and_barriers():
    result = translate(KERNELS["phases"], "phases", "tpu")
    assert result.ok, result.diagnostics
    code = result.code
    assert "pltpu.VMEM((_chunked(_size_tile),), jnp.float32)" in code
    assert "# __syncthreads phases.cu:6: the phases above ran for every lane" in code
    assert 'dimension_semantics=("arbitrary",) * 3' in code
    x = np.arange(192, dtype=np.float32)
    out = tpu_load(code)["KERNELS"]["phases"](x, np.zeros(192, np.float32), grid=(3, 1, 1), block=(64, 1, 1))
    np.testing.assert_array_equal(np.asarray(out[1]), x.reshape(3, 64)[:, ::-1].ravel())
    lowers(code, "phases", "tpu", x, np.zeros(192, np.float32), grid=(3, 1, 1), block=(64, 1, 1))


def test_tpu_atomics_combine_lanes_and_return_old_values():
    code = translate(HISTO, "histo", "tpu").code
    v = np.array([0, 1, 1, 3, 3, 3, 0, 2] * 20, np.int32)
    out = tpu_load(code)["KERNELS"]["histo"](v, np.zeros(4, np.int32), v.size, grid=(2, 1, 1), block=(100, 1, 1))
    assert np.asarray(out[1]).tolist() == [40, 40, 20, 60]
    code = translate(COUNTER, "compact", "tpu").code
    v = np.array([3, -1, 4, 1, -5, 9, 2, -6, 5, 3] * 30, np.int32)
    args = (v, np.zeros(300, np.int32), np.zeros(1, np.int32), v.size)
    out = tpu_load(code)["KERNELS"]["compact"](*args, grid=(3, 1, 1), block=(128, 1, 1))
    kept = int(np.asarray(out[2])[0])
    assert kept == int((v > 0).sum())
    assert sorted(np.asarray(out[1])[:kept].tolist()) == sorted(v[v > 0].tolist())  # every slot taken once
    lowers(code, "compact", "tpu", *args, grid=(3, 1, 1), block=(128, 1, 1))


def test_tpu_warp_shuffles_and_gathers():
    code = translate(WARP_SUM, "warp_sum", "tpu").code
    assert "_shuffle(" in code
    x = np.random.default_rng(0).normal(size=256).astype(np.float32)
    out = tpu_load(code)["KERNELS"]["warp_sum"](x, np.zeros(8, np.float32), grid=(2, 1, 1), block=(128, 1, 1))
    np.testing.assert_allclose(np.asarray(out[1]), x.reshape(8, 32).sum(1), rtol=1e-5)
    lowers(code, "warp_sum", "tpu", x, np.zeros(8, np.float32), grid=(2, 1, 1), block=(128, 1, 1))
    gather = translate(GATHER, "gather", "tpu")
    assert gather.ok and "_gather(x_ref" in gather.code
    assert translate(GATHER, "gather", "gpu").ok


def test_tpu_narrows_64_bit_index_arithmetic_only():
    result = translate(WIDE_INDEX, "rows", "tpu")
    assert result.ok, result.diagnostics
    assert "jnp.int64" not in result.code and "jnp.uint64" not in result.code
    x = np.arange(3 * 200, dtype=np.float32)
    out = tpu_load(result.code)["KERNELS"]["rows"](x, np.zeros_like(x), 200, grid=(3, 1, 1), block=(64, 1, 1))
    np.testing.assert_array_equal(np.asarray(out[1]), 2 * x)
    lowers(result.code, "rows", "tpu", x, np.zeros_like(x), 200, grid=(3, 1, 1), block=(64, 1, 1))
    wide = translate(WIDE_VALUE, "steps", "tpu")
    assert [d.id for d in wide.errors] == ["P0608"] and "64-bit" in wide.errors[0].message


def test_tpu_refuses_atomics_without_a_combined_form():
    refused = translate(XOR, "xors", "tpu")
    assert [d.id for d in refused.errors] == ["P0602"]
    assert "atomicXor" in refused.errors[0].message and refused.errors[0].span.line == 4


def test_gpu_integer_atomics():
    code = translate(HISTO, "histo").code
    assert "_atomic('add', bins_ref, " in code and "old=False)" in code and "_addupdate(ref, i," in code
    v = np.array([0, 1, 1, 3] * 8, np.int32)
    lowers(code, "histo", "cuda", v, np.zeros(4, np.int32), v.size, grid=(1, 1, 1), block=(32, 1, 1))
    for text, name in ((MAX_INT, "biggest"), (COUNTER, "compact")):
        refused = translate(text, name)
        assert [d.id for d in refused.errors] == ["P0609"], refused.diagnostics
        assert "float atomic" in refused.errors[0].message


def test_round_and_rint_are_exact_without_a_round_primitive():
    ns = load(translate(SAXPY, "saxpy").code)
    x = np.concatenate([np.arange(-600, 600, dtype=np.float32) / 4,
                        np.array([0.49999997, -0.49999997, 8388607.5, -8388607.5, 16777215, 3e9, np.inf, -np.inf],
                                 np.float32),
                        np.random.default_rng(1).normal(size=1000).astype(np.float32) * 100])
    np.testing.assert_array_equal(np.asarray(ns["_rint"](x)), np.rint(x))
    away = np.where(x < 0, -np.floor(-x.astype(np.float64) + 0.5), np.floor(x.astype(np.float64) + 0.5))
    np.testing.assert_array_equal(np.asarray(ns["_round"](x)), away.astype(np.float32))
    assert np.isnan(np.asarray(ns["_rint"](np.float32(np.nan))))
    rint = "__global__ void r(const float* x, int* y) { int i = threadIdx.x; y[i] = __float2int_rn(x[i]); }"
    code = translate(rint, "r").code
    assert "_rint(" in code and "jnp.rint" not in code
    lowers(code, "r", "cuda", x[:64].copy(), np.zeros(64, np.int32), grid=(1, 1, 1), block=(64, 1, 1))


def test_flavor_option_is_checked():
    with pytest.raises(ValueError, match="flavor"):
        translate(SAXPY, "saxpy", "npu")


def test_gpu_counted_masked_loops_run_the_largest_trip_count():
    code = translate(KERNELS["strided_lanes"], "strided_lanes").code
    assert "lax.fori_loop(0, _trips" in code and "# masked loop, counted" in code
    x = np.random.default_rng(2).normal(size=(3, 50)).astype(np.float32)
    out = load(code)["KERNELS"]["strided_lanes"](x.ravel(), np.zeros(3 * 8, np.float32), 50, grid=(3, 1, 1),
                                                  block=(8, 1, 1))
    want = np.array([[x[b, t::16].sum() for t in range(8)] for b in range(3)], np.float32).ravel()
    np.testing.assert_allclose(np.asarray(out[1]), want, rtol=1e-5)
    lo = np.array([0, 5, 9, 3], np.int32)
    hi = np.array([10, 4, 30, 3], np.int32)
    code = translate(KERNELS["counted_edges"], "counted_edges").code
    out = load(code)["KERNELS"]["counted_edges"](lo, hi, np.zeros(4, np.int32), 3, grid=(1, 1, 1), block=(4, 1, 1))
    want = [sum(c for c in range(lo[t], hi[t] + 1, 3) if c % 2) + sum(range(-2, 3)) + 100 * len(range(t, 7, 4))
            for t in range(4)]
    assert np.asarray(out[2]).tolist() == want
