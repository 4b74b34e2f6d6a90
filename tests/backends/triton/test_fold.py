"""A block reduction of a fused loop's result reduces the loop's partial tile at once (no
exchange of the copies' rows first), and the launcher keeps CUDA's warps for streaming kernels."""

import pytest

import porter
from tests.backends.triton.interpret import run_interpreted

pytest.importorskip("triton")

# a row maximum: a strided loop, then a shared-memory tree that porter raises to a block reduction
ROW_MAX = """
#define T 128
__global__ void row_max(const float* __restrict__ x, float* __restrict__ out, int n) {
    __shared__ float s[T];
    const float* row = x + (size_t)blockIdx.x * n;
    float m = -INFINITY;
    for (int c = threadIdx.x; c < n; c += T) { m = fmaxf(m, row[c]); }
    CHANGE
    s[threadIdx.x] = m;
    __syncthreads();
    for (int stride = T / 2; stride > 0; stride >>= 1) {
        if (threadIdx.x < stride) { s[threadIdx.x] = fmaxf(s[threadIdx.x], s[threadIdx.x + stride]); }
        __syncthreads();
    }
    if (threadIdx.x == 0) { out[blockIdx.x] = s[0]; }
}
"""

SCRIPT = """
for n in (0, 1, 5, 128, 129, 1000):
    x = torch.randn(3 * max(n, 1))
    out = torch.full((3,), 7.0)
    m.KERNELS["row_max"](x, out, n, grid=(3,), block=(128,))
    for r in range(3):
        want = max((float(x[r * n + c]) * SCALE for c in range(n)), default=float("-inf"))
        assert float(out[r]) == want, (n, r, float(out[r]), want)
print("ok")
"""


@pytest.mark.parametrize("change, folded", [("", True), ("m = m * 0.5f;", False)])
def test_a_reduction_of_a_fused_result_reduces_the_tile(tmp_path, change, folded):
    result = porter.translate(ROW_MAX.replace("CHANGE", change), "triton", name="row_max.cu")
    assert result.ok, result.errors
    assert "side by side" in result.code
    # the reduction over the lanes reads the loop's tile itself, unless the value changed after it
    assert ("tl.max(tl.where(" in result.code and "[None, :], _f1_m," in result.code) == folded
    scale = "1.0" if not change else "0.5"
    assert run_interpreted(tmp_path, result.code, SCRIPT.replace("SCALE", scale), "row_max") == "ok"


def test_streaming_kernels_keep_the_cuda_blocks_warps(tmp_path):
    streams = porter.translate(ROW_MAX.replace("CHANGE", ""), "triton", name="row_max.cu")
    assert "_warps(_BX * _BY * _BZ, _programs, _dev, streams=True)" in streams.code
    elementwise = porter.translate("__global__ void k(float* y) { y[threadIdx.x] *= 2.0f; }", "triton", name="k.cu")
    assert "streams=True" not in elementwise.code
    namespace = {}
    exec(streams.code.split("\n\ndef _device")[0].split("import triton.language as tl")[1], namespace)
    namespace["_resident_warps"] = lambda device: (132 * 64, 32)  # a GPU of 132 multiprocessors
    warps = namespace["_warps"]
    assert warps(256, programs=100000) == 4  # a large grid packs two lanes per thread
    assert warps(256, programs=100000, streams=True) == 8  # unless the kernel streams
    assert warps(256, programs=100) == 8  # a small grid: more threads in flight
