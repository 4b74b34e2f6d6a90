"""Strided lane loops as uniform counted loops, run in the interpreter: lanes whose trip counts
differ by more than one, a loop under a branch, an unsigned variable, and a variable whose values
past its lane's trip count would wrap around in 32 bits (the spare unrolled iterations and the
lanes that finish early compute them; none may pass the mask)."""

import pytest

import porter
from tests.backends.triton.interpret import run_interpreted

pytest.importorskip("triton")

UNEVEN = """
__global__ void uneven(const float* x, float* out, int n, int limit) {
    float acc = 0.0f;
    for (int c = threadIdx.x * 5 - 7; c < n; c += 48) {
        acc += x[c + 7] * (float)(c + 1);
    }
    if (threadIdx.x < limit) {
        for (unsigned u = threadIdx.x; u <= (unsigned)n; u += 16u) {
            acc += 1000.0f;
        }
    }
    out[threadIdx.x] = acc;
}
"""

UNEVEN_SCRIPT = """
import numpy as np
threads, size = 20, 400
x = torch.randn(size)
for n in (0, 1, 47, 48, 49, 97, 200, 300):
    for limit in (0, 7, 20):
        out = torch.full((threads,), -1.0)
        m.KERNELS["uneven"](x, out, n, limit, grid=(1,), block=(threads,))
        want = []
        for t in range(threads):
            acc = sum(float(x[c + 7]) * (c + 1) for c in range(t * 5 - 7, n, 48))
            acc += 1000.0 * len(range(t, n + 1, 16)) if t < limit else 0.0
            want.append(acc)
        assert np.allclose(out.numpy(), want, rtol=1e-5, atol=1e-4), (n, limit, out, want)
print("ok")
"""

# c runs up to INT_MAX - 1 (the CUDA thread never overflows), but c + 64 * k wraps for the k
# past a lane's own trip count (spare unrolled iterations): none may pass the mask
TAIL = """
__global__ void tail(const float* x, float* y, int base, int n) {
    for (int c = base + (int)threadIdx.x; c < n; c += 64) {
        y[c - base] = 2.0f * x[c - base];
    }
}
"""

TAIL_SCRIPT = """
top = 2**31 - 1 - 64
for span in (64, 100, 300, 1000):
    base = top - span
    x = torch.arange(2048, dtype=torch.float32)
    y = torch.full((2048,), -1.0)
    m.KERNELS["tail"](x, y, base, top, grid=(1,), block=(64,))
    assert torch.equal(y[:span], 2.0 * x[:span]), span
    assert torch.all(y[span:] == -1.0), (span, (y[span:] != -1.0).nonzero()[:5].flatten().tolist())
print("ok")
"""


@pytest.mark.parametrize("unroll", [1, 4])
@pytest.mark.parametrize("name, kernel, script", [("uneven", UNEVEN, UNEVEN_SCRIPT), ("tail", TAIL, TAIL_SCRIPT)])
def test_strided_loops_compute_what_the_masked_loops_do(tmp_path, unroll, name, kernel, script):
    result = porter.translate(kernel, "triton", name=f"{name}.cu", unroll=unroll)
    assert result.ok, result.errors
    assert "_start" in result.code and "masked loop" not in result.code  # every loop rewritten
    assert run_interpreted(tmp_path, result.code, script, name) == "ok"
