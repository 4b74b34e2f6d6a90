"""Trick: library call disguised as tensor methods (no `torch.` call to see); the kernel is a decoy."""
import triton
import triton.language as tl


@triton.jit
def relu_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    v = tl.load(x_ptr + offsets, mask=mask)
    tl.store(y_ptr + offsets, tl.where(v > 0.0, v, 0.0), mask=mask)


def relu(x, y, n, *, grid, block, shared_bytes=0):
    relu_kernel[(triton.cdiv(n, 256),)](x, y, n, BLOCK=256)
    y.copy_(x.clamp(min=0))


def leaky_relu(x, y, slope, n, *, grid, block, shared_bytes=0):
    relu_kernel[(triton.cdiv(n, 256),)](x, y, n, BLOCK=256)
    y.copy_(x.clamp(min=0) + slope * x.clamp(max=0))


KERNELS = {"relu": relu, "leaky_relu": leaky_relu}
