"""What a case must move and compute: the two numbers of a roofline.

Bytes moved are counted from the spec's buffers: each ``in`` buffer read once, each ``out``
buffer written once, each ``inout`` buffer read once and written once. Floating-point operations
come from :data:`FLOPS`, expressions over the case's sizes for the kernels whose work is clear
(multiply-adds count 2); a kernel not listed has no flop count and is judged by bytes alone.
The table lives here, not in the spec files, so spec validation is unchanged.
"""

from __future__ import annotations

from porter.golden.dtypes import DTYPES
from porter.golden.expr import evaluate
from porter.golden.model import ResolvedCase

#: kernel name -> flops of one run of all its launches, an expression over the case's sizes.
FLOPS: dict[str, str] = {
    "matmul_naive": "2*m*n*k + 3*m*n",
    "matmul_tiled": "2*m*n*k",
    "gemv_warp": "2*rows*cols + 3*rows",
    "conv2d_3x3": "2*c_out*c_in*9*height*width + c_out*height*width",
    "attention_naive": "4*batch*seq*seq*dim + 4*batch*seq*seq",
    "saxpy": "2*n",
    "dot_product": "2*n",
}


def bytes_moved(case: ResolvedCase) -> int:
    """The fewest bytes the case's launches must move through device memory."""
    total = 0
    for buffer in case.buffers:
        size = buffer.count * DTYPES[buffer.dtype].itemsize
        total += size * (2 if buffer.role == "inout" else 1)
    return total


def flops(case: ResolvedCase, table: dict[str, str] | None = None) -> int | None:
    """Floating-point operations of the case, or None where the kernel has no formula."""
    expression = (FLOPS if table is None else table).get(case.kernel)
    if expression is None:
        return None
    return int(evaluate(expression, dict(case.sizes)))


def roofline(seconds: float, nbytes: int, nflops: int | None, peak_bandwidth: float | None,
             peak_flops: float | None) -> dict[str, float | None]:
    """Achieved rates and how close the time comes to the floor max(bytes/bandwidth, flops/rate)."""
    achieved_bandwidth = nbytes / seconds if seconds > 0 else None
    achieved_flops = nflops / seconds if nflops is not None and seconds > 0 else None
    bytes_floor = nbytes / peak_bandwidth if peak_bandwidth else None
    flops_floor = nflops / peak_flops if nflops is not None and peak_flops else None
    floors = [f for f in (bytes_floor, flops_floor) if f is not None]
    floor = max(floors) if floors else None
    return {
        "achieved_Bps": achieved_bandwidth,
        "achieved_flops": achieved_flops,
        "bandwidth_fraction": achieved_bandwidth / peak_bandwidth if achieved_bandwidth and peak_bandwidth else None,
        "floor_ms": floor * 1e3 if floor is not None else None,
        "roofline_fraction": floor / seconds if floor is not None and seconds > 0 else None,
        "bound": None if floor is None else ("compute" if flops_floor is not None and flops_floor > bytes_floor
                                             else "memory"),
    }
