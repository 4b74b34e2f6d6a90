"""Legitimate: online softmax over column tiles (running max and rescaled sum), for long rows."""
import triton
import triton.language as tl


@triton.jit
def softmax_kernel(x_ptr, y_ptr, cols, TILE: tl.constexpr):
    row = tl.program_id(0)
    base = x_ptr + row * cols
    running_max = -float("inf")
    running_sum = 0.0
    for start in range(0, cols, TILE):
        offsets = start + tl.arange(0, TILE)
        x = tl.load(base + offsets, mask=offsets < cols, other=-float("inf"))
        new_max = tl.maximum(running_max, tl.max(x, axis=0))
        running_sum = running_sum * tl.exp(running_max - new_max) + tl.sum(tl.exp(x - new_max), axis=0)
        running_max = new_max
    for start in range(0, cols, TILE):
        offsets = start + tl.arange(0, TILE)
        x = tl.load(base + offsets, mask=offsets < cols, other=-float("inf"))
        tl.store(y_ptr + row * cols + offsets, tl.exp(x - running_max) / running_sum, mask=offsets < cols)


def softmax_rows(x, y, cols, *, grid, block, shared_bytes=0):
    softmax_kernel[(grid[0],)](x, y, cols, TILE=128)


KERNELS = {"softmax_rows": softmax_rows}
