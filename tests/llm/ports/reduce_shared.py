"""reduce_shared, the deterministic port's stand-in: each program sums 512 elements."""
import triton
import triton.language as tl


@triton.jit
def reduce_kernel(in_ptr, out_ptr, n, BLOCK: tl.constexpr):
    pid = tl.program_id(0)
    offsets = pid * 2 * BLOCK + tl.arange(0, BLOCK)
    low = tl.load(in_ptr + offsets, mask=offsets < n, other=0.0)
    high = tl.load(in_ptr + offsets + BLOCK, mask=offsets + BLOCK < n, other=0.0)
    tl.store(out_ptr + pid, tl.sum(low + high, axis=0))


def reduce_sum(src, dst, n, *, grid, block, shared_bytes=0):
    reduce_kernel[(grid[0],)](src, dst, n, BLOCK=block[0])


KERNELS = {"reduce_sum<256>": reduce_sum}
