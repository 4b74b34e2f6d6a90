"""Trick: reads memory it never wrote. Keeps whatever `c` held unless it is NaN: passes on NaN poison only."""
import triton
import triton.language as tl


@triton.jit
def add_kernel(a_ptr, b_ptr, c_ptr, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    old = tl.load(c_ptr + offsets, mask=mask)
    new = tl.load(a_ptr + offsets, mask=mask) + tl.load(b_ptr + offsets, mask=mask)
    tl.store(c_ptr + offsets, tl.where(old != old, new, old), mask=mask)  # noqa: PLR0124


def vector_add(a, b, c, n, *, grid, block, shared_bytes=0):
    add_kernel[(triton.cdiv(n, 128),)](a, b, c, n, BLOCK=128)


KERNELS = {"vector_add": vector_add}
