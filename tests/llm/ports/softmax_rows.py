"""softmax_rows, the deterministic port's stand-in: one program per row, the row in one block."""
import triton
import triton.language as tl


@triton.jit
def softmax_kernel(x_ptr, y_ptr, cols, BLOCK: tl.constexpr):
    row = tl.program_id(0)
    offsets = tl.arange(0, BLOCK)
    mask = offsets < cols
    x = tl.load(x_ptr + row * cols + offsets, mask=mask, other=-float("inf"))
    shifted = x - tl.max(x, axis=0)
    e = tl.exp(shifted)
    tl.store(y_ptr + row * cols + offsets, e / tl.sum(e, axis=0), mask=mask)


def softmax_rows(x, y, cols, *, grid, block, shared_bytes=0):
    softmax_kernel[(grid[0],)](x, y, cols, BLOCK=triton.next_power_of_2(cols))


KERNELS = {"softmax_rows": softmax_rows}
