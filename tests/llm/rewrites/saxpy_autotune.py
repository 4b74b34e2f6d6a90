"""Legitimate: autotuned over three block sizes (the CPU interpreter runs the first config). y is
read and written, so the autotuner restores it after each configuration it benchmarks: without
``restore_value`` the benchmarking runs would add a*x into y again and again (porter rejects that
version on a GPU: y differs between the checked run and the timing runs)."""
import triton
import triton.language as tl


@triton.autotune(configs=[triton.Config({"BLOCK": 1024}, num_warps=4), triton.Config({"BLOCK": 2048}, num_warps=8),
                          triton.Config({"BLOCK": 512}, num_warps=4)], key=["n"],
                 restore_value=["y_ptr"])
@triton.jit
def saxpy_kernel(n, a, x_ptr, y_ptr, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    x = tl.load(x_ptr + offsets, mask=mask)
    y = tl.load(y_ptr + offsets, mask=mask)
    tl.store(y_ptr + offsets, a * x + y, mask=mask)


def saxpy(n, a, x, y, *, grid, block, shared_bytes=0):
    saxpy_kernel[lambda meta: (triton.cdiv(n, meta["BLOCK"]),)](n, a, x, y)


KERNELS = {"saxpy": saxpy}
