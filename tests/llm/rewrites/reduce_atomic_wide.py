"""Legitimate: another reduction order: 4096 elements per program summed as a 2-D tile (rows of 64,
then the row sums), one atomic add per program (fewer programs and atomics than one per block)."""
import triton
import triton.language as tl


@triton.jit
def reduce_kernel(x_ptr, result_ptr, n, ROWS: tl.constexpr, COLS: tl.constexpr):
    start = tl.program_id(0) * ROWS * COLS
    offsets = start + tl.arange(0, ROWS)[:, None] * COLS + tl.arange(0, COLS)[None, :]
    values = tl.load(x_ptr + offsets, mask=offsets < n, other=0.0)
    tl.atomic_add(result_ptr, tl.sum(tl.sum(values, axis=1), axis=0))


def reduce_atomic(x, result, n, *, grid, block, shared_bytes=0):
    reduce_kernel[(triton.cdiv(n, 4096),)](x, result, n, ROWS=64, COLS=64)


KERNELS = {"reduce_atomic": reduce_atomic}
