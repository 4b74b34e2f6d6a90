"""Legitimate: a larger block (1024 elements per program) and 8 warps."""
import triton
import triton.language as tl


@triton.jit
def add_kernel(a_ptr, b_ptr, c_ptr, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    a = tl.load(a_ptr + offsets, mask=mask)
    b = tl.load(b_ptr + offsets, mask=mask)
    tl.store(c_ptr + offsets, a + b, mask=mask)


def vector_add(a, b, c, n, *, grid, block, shared_bytes=0):
    add_kernel[(triton.cdiv(n, 1024),)](a, b, c, n, BLOCK=1024, num_warps=8)


KERNELS = {"vector_add": vector_add}
