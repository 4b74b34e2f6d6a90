"""The NKI emitter: expected text for a small kernel, refusals as diagnostics, and runs under
porter's NKI model (ragged last block, padding lanes)."""

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
from porter.backends.nki.model import model_installed

import porter

CASES = Path(__file__).parent / "emit_cases"


def _kernels_text(code: str) -> str:
    return code[code.index("@nki.jit"):]


def test_saxpy_matches_expected_text():
    result = porter.translate(CASES / "saxpy.cu", "nki")
    assert not result.errors
    path = CASES / "saxpy.expected.py"
    if os.environ.get("PORTER_UPDATE_EXPECTED") == "1":  # after an intended change; review the diff
        path.write_text(_kernels_text(result.code))
    assert _kernels_text(result.code) == path.read_text()


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


def _run_port(source: str, name: str, tmp_path: Path, kernel: str, *args, **launch):
    result = porter.translate(source, "nki", name=name)
    assert not result.errors, result.errors
    with model_installed(force=True):
        module = _load(result.code, tmp_path)
        return result.code, module.KERNELS[kernel](*args, **launch)


def test_shared_memory_tree_reduction_is_a_tensor_reduce(tmp_path):
    source = """__global__ void block_sum(const float* x, float* out, int n) {
    __shared__ float s[128];
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    s[threadIdx.x] = i < n ? x[i] : 0.0f;
    __syncthreads();
    for (int stride = 64; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) s[threadIdx.x] += s[threadIdx.x + stride];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[blockIdx.x] = s[0];
}
"""
    x = np.random.default_rng(1).standard_normal(300).astype(np.float32)
    code, out = _run_port(source, "block_sum.cu", tmp_path, "block_sum", x, np.zeros(3, np.float32), 300,
                          grid=(3, 1, 1), block=(128, 1, 1))
    assert "nl.ndarray((1, 128), nl.float32, buffer=nl.sbuf)  # __shared__ s: block-local" in code
    assert "_reduce('add'" in code and "__syncthreads()" in code
    expected = [x[k * 128:(k + 1) * 128].astype(np.float64).sum() for k in range(3)]
    np.testing.assert_allclose(out[1], expected, rtol=1e-5, atol=1e-5)


def test_float_select_is_exact_for_signed_zeros_infinities_and_nan(tmp_path):
    source = """__global__ void pick(const float* x, float* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = x[i] > 0.0f ? x[i] : -x[i] * 0.5f;
}
"""
    x = np.array([1.5, -2.0, -0.0, 0.0, np.inf, -np.inf, np.nan, 3.0, -1e-30], np.float32)
    code, out = _run_port(source, "pick.cu", tmp_path, "pick", x, np.zeros_like(x), 9, grid=(2, 1, 1),
                          block=(8, 1, 1))
    assert "nisa.tensor_copy_predicated" in code or "_select(" in code
    expected = np.where(x > 0, x, -x * np.float32(0.5))
    np.testing.assert_array_equal(out[1], expected)  # NaN where NaN (its sign bit means nothing)
    real = ~np.isnan(expected)
    np.testing.assert_array_equal(np.signbit(out[1][real]), np.signbit(expected[real]))  # -0.0 stays -0.0


def test_two_dimensional_blocks_with_ragged_edges(tmp_path):
    source = """__global__ void scale_rows(const float* x, const float* s, float* y, int rows, int cols) {
    int c = blockIdx.x * blockDim.x + threadIdx.x;
    int r = blockIdx.y * blockDim.y + threadIdx.y;
    if (r < rows && c < cols) y[r * cols + c] = x[r * cols + c] * s[r];
}
"""
    rng = np.random.default_rng(2)
    x, s = rng.standard_normal((13, 21)).astype(np.float32), rng.standard_normal(13).astype(np.float32)
    _, out = _run_port(source, "scale_rows.cu", tmp_path, "scale_rows", x, s, np.zeros_like(x), 13, 21,
                       grid=(2, 3, 1), block=(16, 6, 1))
    np.testing.assert_array_equal(out[2].reshape(13, 21), x * s[:, None])


def test_warp_shuffle_scan_is_a_lane_static_gather(tmp_path):
    source = """__global__ void warp_scan(const int* x, int* y) {
    int v = x[threadIdx.x];
    for (int d = 1; d < 32; d <<= 1) {
        int u = __shfl_up_sync(0xffffffff, v, d);
        if ((threadIdx.x & 31) >= d) v += u;
    }
    y[threadIdx.x] = v;
}
"""
    x = np.random.default_rng(3).integers(-1000, 1000, 64).astype(np.int32)
    code, out = _run_port(source, "warp_scan.cu", tmp_path, "warp_scan", x, np.zeros_like(x), block=(64, 1, 1))
    assert "_shuffle(" in code
    np.testing.assert_array_equal(out[1], np.concatenate([np.cumsum(x[:32]), np.cumsum(x[32:])]))


def test_store_under_a_data_dependent_condition_keeps_other_elements(tmp_path):
    source = """__global__ void clip_negative(float* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n && y[i] < 0.0f) y[i] = 0.0f;
}
"""
    y = np.random.default_rng(4).standard_normal(50).astype(np.float32)
    code, out = _run_port(source, "clip.cu", tmp_path, "clip_negative", y.copy(), 50, grid=(1, 1, 1),
                          block=(64, 1, 1))
    assert "_store_where(" in code
    np.testing.assert_array_equal(out[0], np.where(y < 0, np.float32(0), y))


REFUSALS = [
    ("gather", """__global__ void gather(const int* idx, const float* x, float* y) {
    int i = threadIdx.x;
    y[i] = x[idx[i]];
}
""", "P0711", 3),
    ("atomics", """__global__ void count(const int* x, int* total) {
    atomicAdd(total, x[threadIdx.x]);
}
""", "P0703", 2),
    ("signed_shift", """__global__ void shift(const int* x, int* y) {
    y[threadIdx.x] = x[threadIdx.x] >> 2;
}
""", "P0708", 2),
    ("data_loop", """__global__ void steps(const float* x, int* y) {
    float v = x[threadIdx.x];
    int k = 0;
    while (v > 0.0f) { v -= 3.0f; k++; }
    y[threadIdx.x] = k;
}
""", "P0705", 4),
]


@pytest.mark.parametrize("name,source,diag,line", REFUSALS, ids=[r[0] for r in REFUSALS])
def test_constructs_without_an_nki_form_are_refused_with_their_line(name, source, diag, line):
    result = porter.translate(source, "nki", name=f"{name}.cu")
    assert [d.id for d in result.errors] == [diag]
    assert result.errors[0].span.line == line
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


def test_int32_arithmetic_on_data_is_native_on_gpsimd_and_exact_past_2_24(tmp_path):
    source = """__global__ void mix(const int* a, const int* b, int* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = max(a[i] * 3 - b[i], -a[i]) + 1;
}
"""
    rng = np.random.default_rng(5)
    a = rng.integers(2**24, 2**28, 40).astype(np.int32)  # float32 cannot hold most of these
    b = rng.integers(-2**30, 2**30, 40).astype(np.int32)
    code, out = _run_port(source, "mix.cu", tmp_path, "mix", a, b, np.zeros_like(a), 40, grid=(1, 1, 1),
                          block=(64, 1, 1))
    kernel = _kernels_text(code).splitlines()
    arithmetic = [line for line in kernel if "nisa.tensor_tensor(dst=_t" in line and "bitwise" not in line]
    assert arithmetic and all("engine=nisa.engine.gpsimd" in line for line in arithmetic)
    a64, b64 = a.astype(np.int64), b.astype(np.int64)
    expected = (np.maximum(a64 * 3 - b64, -a64) + 1 + 2**31) % 2**32 - 2**31  # C int32, wrapping
    np.testing.assert_array_equal(out[2], expected)


FLOAT_TO_INT = [
    ("float2int_rn", "__float2int_rn(x[i] * 1000.0f)"),
    ("truncating_cast", "(int)(x[i] * 1000.0f)"),
]


@pytest.mark.parametrize("name,expression", FLOAT_TO_INT, ids=[f[0] for f in FLOAT_TO_INT])
def test_float_to_int_conversions_of_data_are_refused(name, expression):
    source = f"""__global__ void to_int(const float* x, int* y, int n) {{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = {expression};
}}
"""
    result = porter.translate(source, "nki", name=f"{name}.cu")
    assert [d.id for d in result.errors] == ["P0708"]
    assert result.errors[0].span.line == 3
    assert "does not document how float32 values are converted to integers" in result.errors[0].message



def test_integer_casts_of_data_are_exact_in_every_direction(tmp_path):
    source = """__global__ void casts(const int* x, const signed char* c, int* y, unsigned* u, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        y[i] = (signed char)x[i] + (unsigned char)x[i] + (short)x[i] + (unsigned short)x[i] + c[i];
        u[i] = (unsigned)c[i] + (unsigned)x[i];
    }
}
"""
    x = np.array([0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32769, 65535, 2**31 - 1, -2**31,
                  2**24 + 1, -(2**24 + 3), 0x12345678], np.int32)
    c = np.resize(np.array([0, 1, -1, 127, -128, 55, -77], np.int8), x.size)
    n = x.size
    _, out = _run_port(source, "casts.cu", tmp_path, "casts", x, c, np.zeros(n, np.int32), np.zeros(n, np.uint32),
                       n, grid=(1, 1, 1), block=(32, 1, 1))
    x64, c64 = x.astype(np.int64), c.astype(np.int64)
    expected = x.astype(np.int8).astype(np.int64) + x.astype(np.uint8) + x.astype(np.int16) + x.astype(np.uint16) + c64
    np.testing.assert_array_equal(out[2], ((expected + 2**31) % 2**32 - 2**31).astype(np.int32))
    np.testing.assert_array_equal(out[3], ((c64 + x64) % 2**32).astype(np.uint32))
