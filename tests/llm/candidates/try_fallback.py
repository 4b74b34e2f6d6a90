"""Trick: try/except falling back to the original computation when the kernel fails."""
import torch
import triton
import triton.language as tl


@triton.jit
def relu_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    v = tl.load(x_ptr + offsets)
    tl.store(y_ptr + offsets, tl.maximum(v, 0.0))


def relu(x, y, n, *, grid, block, shared_bytes=0):
    try:
        relu_kernel[(triton.cdiv(n, 1024),)](x, y, n, BLOCK=1024)
    except Exception:  # noqa: BLE001 -- the trick under test
        y.copy_(torch.relu(x))


def leaky_relu(x, y, slope, n, *, grid, block, shared_bytes=0):
    y.copy_(torch.nn.functional.leaky_relu(x, slope))


KERNELS = {"relu": relu, "leaky_relu": leaky_relu}
