"""A shared tile held in registers reads what the memory form reads (the interpreter), and a fused
store loop whose stride is zero when it runs keeps the loop's last write."""

import pytest

import porter
from tests.backends.triton.interpret import run_interpreted
from tests.passes.tile.test_registers import TRANSPOSE

pytest.importorskip("triton")

TRANSPOSE_SCRIPT = """
s = importlib.util.spec_from_file_location("m0", {memory!r}); m0 = importlib.util.module_from_spec(s)
s.loader.exec_module(m0)
assert m._registers_transpose((32, 8, 1)) == {{"REG_tile_0": ((32, 32), (1, 0))}}
assert m._registers_transpose((32, 6, 1)) == {{"REG_tile_0": None}}
for rows, cols in ((1, 1), (40, 70), (64, 96)):
    a = torch.randn(rows, cols)
    for module in (m, m0):
        t = torch.full((cols, rows), -7.0)
        module.KERNELS["transpose"](a, t, rows, cols, grid=((cols + 31) // 32, (rows + 31) // 32), block=(32, 8))
        assert torch.equal(t, a.T), (rows, cols)
print("ok")
"""


def test_a_transpose_tile_in_registers_transposes(tmp_path):
    held = porter.translate(TRANSPOSE, "triton", name="transpose.cu")
    memory = porter.translate(TRANSPOSE, "triton", name="transpose.cu", registers=False)
    assert held.ok and memory.ok, (held.errors, memory.errors)
    assert "_reg_tile" in held.code and "_reg_tile" not in memory.code
    (tmp_path / "memory.py").write_text(memory.code)
    assert run_interpreted(tmp_path, held.code, TRANSPOSE_SCRIPT, "transpose", memory=str(tmp_path / "memory.py")) == "ok"


# every copy of a lane stores to one element when s is zero: the last one that stores must win
LAST = """
__global__ void last(const float* __restrict__ x, float* __restrict__ out, int s) {
    for (int j = 0; j < 8; j += 1) {
        if (x[j * 32 + threadIdx.x] > 0.0f) { out[j * s + threadIdx.x] = x[j * 32 + threadIdx.x]; }
    }
}
"""

LAST_SCRIPT = """
for s in (0, 32):
    x = torch.randn(8 * 32)
    out = torch.full((8 * 32,), -7.0)
    m.KERNELS["last"](x, out, s, grid=(1,), block=(32,))
    for t in range(32):
        stored = [j for j in range(8) if float(x[j * 32 + t]) > 0]
        for j in range(8):
            element = j * s + t
            writes = [i for i in stored if i * s + t == element]
            want = float(x[writes[-1] * 32 + t]) if writes else -7.0
            assert float(out[element]) == want, (s, t, j)
print("ok")
"""


def test_a_fused_store_whose_stride_is_zero_keeps_the_last_write(tmp_path):
    # (the interpreter stores a tile's duplicate elements in order, so an unguarded store would
    # pass here too; a GPU stores them in no set order: this checks the guarded form's values)
    result = porter.translate(LAST, "triton", name="last.cu")
    assert result.ok, result.errors
    assert "side by side" in result.code and "coincide" in result.code
    assert run_interpreted(tmp_path, result.code, LAST_SCRIPT, "last") == "ok"
