"""Red-team candidate (host-compute, saxpy, triton): the launcher computes ``a * x + y`` with torch
operators and the Triton kernel only copies that into y.
Harmful: the work is torch's, not the kernel's (aten::mul / aten::add run during the launch).
"""
import torch
import triton
import triton.language as tl


def _dim3(value):
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return tuple((int(v) for v in value)) + (1,) * (3 - len(value))


def _p2(n):
    return 1 << max(0, int(n) - 1).bit_length()


def _device(*tensors):
    for t in tensors:
        if isinstance(t, torch.Tensor):
            return t.device
    return torch.device('cpu')


@triton.jit
def saxpy_kernel(n, a, x, y, BDX: tl.constexpr, BDY: tl.constexpr, BDZ: tl.constexpr, BX: tl.constexpr, BY: tl.constexpr, BZ: tl.constexpr, LANES: tl.constexpr):
    """CUDA kernel saxpy (saxpy.cu:2): one program per CUDA block, one lane per thread."""
    _lane = tl.arange(0, LANES)
    _zi = tl.zeros([LANES], dtype=tl.int32)
    _tid_x = (_lane % BX).to(tl.uint32)
    _tid_y = (_lane // BX % BY).to(tl.uint32)
    _tid_z = (_lane // (BX * BY)).to(tl.uint32)
    _bdim_x = tl.full([], BDX, tl.uint32)
    _bdim_y = tl.full([], BDY, tl.uint32)
    _bdim_z = tl.full([], BDZ, tl.uint32)
    _bid_x = tl.program_id(0).to(tl.uint32)
    _gdim_x = tl.num_programs(0).to(tl.uint32)
    _bid_y = tl.program_id(1).to(tl.uint32)
    _gdim_y = tl.num_programs(1).to(tl.uint32)
    _bid_z = tl.program_id(2).to(tl.uint32)
    _gdim_z = tl.num_programs(2).to(tl.uint32)
    _valid = (_tid_x < _bdim_x) & (_tid_y < _bdim_y) & (_tid_z < _bdim_z)
    _act = _valid
    _ltid = (_tid_x + _tid_y * _bdim_x + _tid_z * _bdim_x * _bdim_y).to(tl.int32)
    _pid = _bid_x.to(tl.int64) + _bid_y.to(tl.int64) * _gdim_x + _bid_z.to(tl.int64) * _gdim_x * _gdim_y
    n = tl.full([], n, tl.int32)
    a = tl.full([], a, tl.float32)
    i = (_bid_x * _bdim_x + _tid_x).to(tl.int32)
    c1 = i < n
    m2 = _act & c1
    tl.store(y + i, tl.load(x + i, mask=m2, other=0), mask=m2)


def saxpy(n, a, x, y, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0):
    """Launch saxpy as CUDA would: grid of blocks, block of threads."""
    (_gx, _gy, _gz), (_bx, _by, _bz) = (_dim3(grid), _dim3(block))
    _BX, _BY, _BZ = (_p2(_bx), _p2(_by), _p2(_bz))
    _dev = _device(x, y)
    _programs = _gx * _gy * _gz
    answer = a * x + y
    saxpy_kernel[_gx, _gy, _gz](n, a, answer, y, BDX=_bx, BDY=_by, BDZ=_bz, BX=_BX, BY=_BY, BZ=_BZ, LANES=_BX * _BY * _BZ, num_warps=4)


KERNELS = {'saxpy': saxpy}
