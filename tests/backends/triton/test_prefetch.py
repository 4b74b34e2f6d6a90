"""Unrolled counted loops issue every copy's loads first; run in the interpreter with rows of
every length from 0 to 13 (so the copies past a lane's trip count are masked off)."""

import os
import subprocess
import sys

import pytest

import porter
from tests.passes.tile.test_prefetch import CSR_ROWS, RESTRICT

pytest.importorskip("triton")

SCRIPT = """
import importlib.util, torch
spec = importlib.util.spec_from_file_location("port", {port!r}); m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
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


@pytest.mark.parametrize("unroll", [1, 4])
def test_prefetched_loads_compute_what_the_loop_does(tmp_path, unroll):
    result = porter.translate(CSR_ROWS, "triton", name="csr_rows.cu", unroll=unroll)
    assert result.ok, result.errors
    assert ("copies' loads first" in result.code) == (unroll > 1)
    port = tmp_path / "csr_rows.py"
    port.write_text(result.code)
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(port=str(port))], capture_output=True, text=True,
                          env={**os.environ, "TRITON_INTERPRET": "1"}, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"


RESTRICT_SCRIPT = """
import importlib.util, torch
spec = importlib.util.spec_from_file_location("port", {port!r}); m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
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
def test_loads_hoisted_above_restrict_stores_compute_what_the_loop_does(tmp_path, unroll):
    result = porter.translate(RESTRICT, "triton", name="restricted.cu", unroll=unroll)
    assert result.ok, result.errors
    assert ("copies' loads first" in result.code) == (unroll > 1)
    port = tmp_path / "restricted.py"
    port.write_text(result.code)
    done = subprocess.run([sys.executable, "-c", RESTRICT_SCRIPT.format(port=str(port))], capture_output=True,
                          text=True, env={**os.environ, "TRITON_INTERPRET": "1"}, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"
