"""Fused loops (iterations side by side as a [copies, lanes] tile) compute what the loops do, in
the interpreter: a max, an integer sum and a store loop exactly; a floating-point sum bit for bit
under ``fused_sums="in-order"``; rows whose length is no multiple of lanes x copies."""

import pytest

import porter
from tests.backends.triton.interpret import run_interpreted

pytest.importorskip("triton")

ROWS = """
__global__ void rows(const float* __restrict__ x, const int* __restrict__ k, float* __restrict__ out,
                     float* __restrict__ stats, int n) {
    const float* row = x + (size_t)blockIdx.x * n;
    float m = -INFINITY;
    for (int c = threadIdx.x; c < n; c += 32) { m = fmaxf(m, row[c]); }
    float s = 0.0f;
    for (int c = threadIdx.x; c < n; c += 32) { s += row[c] * row[c]; }
    int count = 0;
    for (int c = threadIdx.x; c < n; c += 32) { count += k[c]; }
    for (int c = threadIdx.x; c < n; c += 32) { out[(size_t)blockIdx.x * n + c] = row[c] * 2.0f + m; }
    stats[(blockIdx.x * 32 + threadIdx.x) * 3] = m;
    stats[(blockIdx.x * 32 + threadIdx.x) * 3 + 1] = s;
    stats[(blockIdx.x * 32 + threadIdx.x) * 3 + 2] = (float)count;
}
"""

# every case runs the unfused port too (m0): the fused one must give the same bits
SCRIPT = """
s = importlib.util.spec_from_file_location("m0", {plain!r}); m0 = importlib.util.module_from_spec(s)
s.loader.exec_module(m0)
rows, threads = 3, 32
for n in (0, 1, 31, 33, 127, 128, 129, 300):
    x = torch.randn(rows * max(n, 1))
    k = torch.randint(-5, 6, (max(n, 1),), dtype=torch.int32)
    results = []
    for module in (m, m0):
        out = torch.full((rows * max(n, 1),), -7.0)
        stats = torch.full((rows * threads * 3,), -7.0)
        module.KERNELS["rows"](x, k, out, stats, n, grid=(rows,), block=(threads,))
        results.append((out, stats))
    (out, stats), (out0, stats0) = results
    assert torch.equal(out, out0), n
    assert torch.equal(stats, stats0), (n, (stats != stats0).nonzero()[:5].flatten().tolist())
    for r in range(rows):
        for t in range(threads):
            cols = list(range(t, n, threads))
            want = max((float(x[r * n + c]) for c in cols), default=float("-inf"))
            assert float(stats[(r * threads + t) * 3]) == want, (n, r, t)
            assert float(stats[(r * threads + t) * 3 + 2]) == sum(int(k[c]) for c in cols), (n, r, t)
print("ok")
"""


@pytest.mark.parametrize("options", [dict(fused_sums="none"), dict(fused_sums="in-order"),
                                     dict(fused_sums="in-order", unroll=2)])
def test_fused_loops_give_the_bits_the_loops_give(tmp_path, options):
    fused = porter.translate(ROWS, "triton", name="rows.cu", **options)
    plain = porter.translate(ROWS, "triton", name="rows.cu", fuse=False)
    assert fused.ok and plain.ok, (fused.errors, plain.errors)
    sums_fused = options.get("fused_sums") == "in-order"
    assert fused.code.count("side by side") == (4 if sums_fused else 3)
    assert "side by side" not in plain.code
    (tmp_path / "plain.py").write_text(plain.code)
    assert run_interpreted(tmp_path, fused.code, SCRIPT, "rows", plain=str(tmp_path / "plain.py")) == "ok"


def test_partial_sums_reassociate_and_say_so(tmp_path):
    result = porter.translate(ROWS, "triton", name="rows.cu", fused_sums="partial")
    assert result.ok, result.errors
    assert "a partial add per copy" in result.code and result.code.count("side by side") == 4


# under "auto", a sum of squares (no cancellation) is fused with partial sums, a plain sum is not
AUTO_SUMS = """
__global__ void sums(const float* __restrict__ x, float* __restrict__ out, int n) {
    const float* row = x + (size_t)blockIdx.x * n;
    float squares = 0.0f, plain = 0.0f;
    for (int c = threadIdx.x; c < n; c += 32) { float v = row[c]; squares += v * v; }
    for (int c = threadIdx.x; c < n; c += 32) { plain += row[c]; }
    out[(blockIdx.x * 32 + threadIdx.x) * 2] = squares;
    out[(blockIdx.x * 32 + threadIdx.x) * 2 + 1] = plain;
}
"""

AUTO_SCRIPT = """
s = importlib.util.spec_from_file_location("m0", {plain!r}); m0 = importlib.util.module_from_spec(s)
s.loader.exec_module(m0)
for n in (0, 7, 129, 1000):
    x = torch.randn(2 * max(n, 1))
    out, out0 = torch.full((2 * 32 * 2,), -7.0), torch.full((2 * 32 * 2,), -7.0)
    m.KERNELS["sums"](x, out, n, grid=(2,), block=(32,))
    m0.KERNELS["sums"](x, out0, n, grid=(2,), block=(32,))
    assert torch.equal(out[1::2], out0[1::2]), n  # the plain sum: not reassociated
    assert torch.allclose(out[0::2], out0[0::2], rtol=n * 6e-8, atol=0), (n, (out - out0).abs().max())
print("ok")
"""


def test_auto_sums_fuse_only_terms_that_cannot_cancel(tmp_path):
    auto = porter.translate(AUTO_SUMS, "triton", name="sums.cu")
    plain = porter.translate(AUTO_SUMS, "triton", name="sums.cu", fuse=False)
    assert auto.ok and plain.ok, (auto.errors, plain.errors)
    assert auto.code.count("side by side") == 1 and "squares: a partial add per copy" in auto.code
    (tmp_path / "plain.py").write_text(plain.code)
    assert run_interpreted(tmp_path, auto.code, AUTO_SCRIPT, "sums", plain=str(tmp_path / "plain.py")) == "ok"


def test_fused_sums_option_is_checked():
    with pytest.raises(ValueError, match="fused_sums"):
        porter.translate(ROWS, "triton", name="rows.cu", fused_sums="fast")


# a wide (float4) load before the loop, read in every iteration: a lane vector set outside it
WIDE_BEFORE = """
__global__ void wide_before(const float4* __restrict__ w, const float* __restrict__ x, float* __restrict__ y, int n) {
    float4 v = w[threadIdx.x];
    for (int c = threadIdx.x; c < n; c += 32) { y[c] = x[c] * v.x + v.w; }
}
"""

WIDE_SCRIPT = """
for n in (0, 5, 32, 100, 129):
    w = torch.randn(32 * 4)
    x = torch.randn(max(n, 1))
    y = torch.full((max(n, 1),), -7.0)
    m.KERNELS["wide_before"](w, x, y, n, grid=(1,), block=(32,))
    for c in range(n):
        t = c % 32
        assert float(y[c]) == float(torch.tensor(float(x[c])) * w[4 * t] + w[4 * t + 3]), (n, c)
print("ok")
"""


def test_a_wide_load_before_a_fused_loop_is_read_per_lane(tmp_path):
    result = porter.translate(WIDE_BEFORE, "triton", name="wide_before.cu")
    assert result.ok, result.errors
    assert "(wide)" in result.code and "side by side" in result.code
    assert run_interpreted(tmp_path, result.code, WIDE_SCRIPT, "wide_before") == "ok"
