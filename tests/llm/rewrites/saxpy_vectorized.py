"""Legitimate: a 2-D (rows x 4) tile per program, four contiguous floats per lane (16-byte accesses)."""
import triton
import triton.language as tl


@triton.jit
def saxpy_kernel(n, a, x_ptr, y_ptr, ROWS: tl.constexpr, VEC: tl.constexpr):
    rows = tl.program_id(0) * ROWS + tl.arange(0, ROWS)
    offsets = rows[:, None] * VEC + tl.arange(0, VEC)[None, :]
    mask = offsets < n
    x = tl.load(x_ptr + offsets, mask=mask)
    y = tl.load(y_ptr + offsets, mask=mask)
    tl.store(y_ptr + offsets, a * x + y, mask=mask)


def saxpy(n, a, x, y, *, grid, block, shared_bytes=0):
    saxpy_kernel[(triton.cdiv(n, 128 * 4),)](n, a, x, y, ROWS=128, VEC=4)


KERNELS = {"saxpy": saxpy}
