"""Legitimate: 32 x 32 output tiles from tl.dot over 16-wide k steps in full fp32 ("ieee"), zero-
filled edges, instead of one lane per output with a shared-memory loop."""
import triton
import triton.language as tl


@triton.jit
def matmul_kernel(a_ptr, b_ptr, c_ptr, m, n, k, BM: tl.constexpr, BN: tl.constexpr, BK: tl.constexpr):
    rows = tl.program_id(1) * BM + tl.arange(0, BM)
    cols = tl.program_id(0) * BN + tl.arange(0, BN)
    acc = tl.zeros((BM, BN), dtype=tl.float32)
    for start in range(0, k, BK):
        ks = start + tl.arange(0, BK)
        a = tl.load(a_ptr + rows[:, None] * k + ks[None, :], mask=(rows[:, None] < m) & (ks[None, :] < k), other=0.0)
        b = tl.load(b_ptr + ks[:, None] * n + cols[None, :], mask=(ks[:, None] < k) & (cols[None, :] < n), other=0.0)
        acc += tl.dot(a, b, input_precision="ieee")
    tl.store(c_ptr + rows[:, None] * n + cols[None, :], acc, mask=(rows[:, None] < m) & (cols[None, :] < n))


def matmul_tiled(a, b, c, m, n, k, *, grid, block, shared_bytes=0):
    matmul_kernel[(triton.cdiv(n, 32), triton.cdiv(m, 32))](a, b, c, m, n, k, BM=32, BN=32, BK=16)


KERNELS = {"matmul_tiled": matmul_tiled}
