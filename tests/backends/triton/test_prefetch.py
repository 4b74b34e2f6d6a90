"""Unrolled counted loops issue every copy's loads first; run in the interpreter with rows of
every length from 0 to 13 (so the copies past a lane's trip count are masked off), and with
stores through restrict pointers between the hoisted loads."""

import pytest

import porter
from tests.backends.triton.interpret import run_interpreted
from tests.passes.tile.test_prefetch import CSR_ROWS, RESTRICT

pytest.importorskip("triton")

SCRIPT = """
torch.manual_seed(0)
rows = 70
lengths = torch.arange(rows) % 14
row_ptr = torch.cat([torch.zeros(1, dtype=torch.int32), torch.cumsum(lengths, 0).to(torch.int32)])
nnz = int(row_ptr[-1])
cols = torch.randint(0, 50, (nnz,), dtype=torch.int32)
vals = torch.randn(nnz)
x = torch.randn(50)
y = torch.full((rows,), -1.0)
m.KERNELS["csr_rows"](row_ptr, cols, vals, x, y, rows, grid=(3,), block=(32,))
want = torch.stack([(vals[row_ptr[r]:row_ptr[r + 1]] * x[cols[row_ptr[r]:row_ptr[r + 1]].long()]).sum()
                    for r in range(rows)])
assert torch.allclose(y, want, atol=1e-5), (y, want)
print("ok")
"""


RESTRICT_SCRIPT = """
torch.manual_seed(0)
rows, n = 3, 75  # 75 = 2 x 32 + 11: the last unrolled iteration has copies past some lanes' trips
x, w, y, z = torch.randn(rows * n), torch.randn(n), torch.randn(rows * n), torch.zeros(n)
want = (x.view(rows, n) * w + y.view(rows, n)).flatten()
m.KERNELS["restricted"](x, w, y, z, n, grid=(rows,), block=(32,))
assert torch.allclose(y, want, atol=1e-6), (y - want).abs().max()
assert torch.equal(z, w)
print("ok")
"""


@pytest.mark.parametrize("unroll", [1, 4])
@pytest.mark.parametrize("name, kernel, script", [("csr_rows", CSR_ROWS, SCRIPT),  # the body writes no memory
                                                  ("restricted", RESTRICT, RESTRICT_SCRIPT)])  # restrict stores
def test_prefetched_loads_compute_what_the_loop_does(tmp_path, unroll, name, kernel, script):
    result = porter.translate(kernel, "triton", name=f"{name}.cu", unroll=unroll)
    assert result.ok, result.errors
    assert ("copies' loads first" in result.code) == (unroll > 1)
    assert run_interpreted(tmp_path, result.code, script, name) == "ok"
