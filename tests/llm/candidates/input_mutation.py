"""Trick: input mutation. Writes the result into input `a` as well (scratch reuse)."""
import triton
import triton.language as tl


@triton.jit
def add_kernel(a_ptr, b_ptr, c_ptr, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    total = tl.load(a_ptr + offsets, mask=mask) + tl.load(b_ptr + offsets, mask=mask)
    tl.store(c_ptr + offsets, total, mask=mask)
    tl.store(a_ptr + offsets, total, mask=mask)


def vector_add(a, b, c, n, *, grid, block, shared_bytes=0):
    add_kernel[(triton.cdiv(n, 128),)](a, b, c, n, BLOCK=128)


KERNELS = {"vector_add": vector_add}
