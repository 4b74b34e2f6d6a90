"""Warp shuffles in the Triton emitter: register gathers over the block's lanes, run in the interpreter.

The block is 24 x 2 threads (48: padded to 32 x 2 lanes, so CUDA's linear thread index and
Triton's lane position differ) and every shuffle has width 16, so each segment is whole; the
indexed shuffle's source lanes go negative (CUDA takes them modulo the width). The four results
are stored as one wide store."""

import pytest

import porter
from tests.backends.triton.interpret import run_interpreted

pytest.importorskip("triton")

SHUFFLES = """
__global__ void shuffles(const float* in, float* out) {
    int t = threadIdx.x + threadIdx.y * blockDim.x;
    int i = blockIdx.x * blockDim.x * blockDim.y + t;
    float v = in[i];
    out[4 * i] = __shfl_down_sync(0xffffffffu, v, 3, 16);
    out[4 * i + 1] = __shfl_up_sync(0xffffffffu, v, 5, 16);
    out[4 * i + 2] = __shfl_xor_sync(0xffffffffu, v, 6, 16);
    out[4 * i + 3] = __shfl_sync(0xffffffffu, v, t % 7 - 3, 16);  // -3..3: CUDA keeps the low bits
}
"""

SCRIPT = """
threads, blocks = 48, 3
x = torch.randn(blocks * threads)
out = torch.zeros(4 * blocks * threads)
m.KERNELS["shuffles"](x, out, grid=(blocks,), block=(24, 2))
want = []
for b in range(blocks):
    v = x[b * threads:(b + 1) * threads].tolist()
    for t in range(threads):  # CUDA's shuffles with width 16, by linear thread index
        seg, pos = t - t % 16, t % 16
        want += [v[t + 3] if pos + 3 < 16 else v[t], v[t - 5] if pos >= 5 else v[t], v[t ^ 6], v[seg + ((t % 7 - 3) & 15)]]
assert out.tolist() == want, [(k, a, w) for k, (a, w) in enumerate(zip(out.tolist(), want)) if a != w][:8]
print("ok")
"""


@pytest.fixture(scope="module")
def code():
    result = porter.translate(SHUFFLES, "triton", name="shuffles.cu")
    assert result.ok, result.errors
    return result.code


def test_shuffles_are_register_gathers_without_scratch(code):
    kernel = code.split("def shuffles_kernel")[1].split("def shuffles(")[0]
    assert kernel.count("_shuffle(") == 4
    assert kernel.count("tl.store(") == 1 and "(wide)" in kernel
    assert "torch.empty" not in code.split("def shuffles(")[1]  # no exchange buffer launched with it


def test_shuffles_match_cuda_semantics_in_interpreter(code, tmp_path):
    assert run_interpreted(tmp_path, code, SCRIPT, "shuffles") == "ok"
