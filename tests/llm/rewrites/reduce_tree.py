"""Legitimate: a different reduction tree: 16 partial sums of 32 elements each, then their sum."""
import triton
import triton.language as tl


@triton.jit
def reduce_kernel(in_ptr, out_ptr, n, BLOCK: tl.constexpr, GROUPS: tl.constexpr):
    pid = tl.program_id(0)
    offsets = pid * BLOCK + tl.arange(0, BLOCK)
    values = tl.load(in_ptr + offsets, mask=offsets < n, other=0.0)
    partial = tl.sum(tl.reshape(values, (GROUPS, BLOCK // GROUPS)), axis=1)
    tl.store(out_ptr + pid, tl.sum(partial, axis=0))


def reduce_sum(src, dst, n, *, grid, block, shared_bytes=0):
    reduce_kernel[(grid[0],)](src, dst, n, BLOCK=2 * block[0], GROUPS=16)


KERNELS = {"reduce_sum<256>": reduce_sum}
