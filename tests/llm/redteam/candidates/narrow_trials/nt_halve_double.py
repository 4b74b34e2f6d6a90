"""Red-team candidate (narrow-trials, clamp_where, triton): uses its input x as scratch: halves it
in place, reads it back doubled and writes that back, so x looks untouched and ``clamped`` is
``clamp(2 * (x / 2))``: exact for every normal float, and so for every value the goldens and
random trials hold.
Wrong: an odd denormal loses its last bit when halved (x = 1.4e-45 gives clamped = 0, not x; 4.2e-45
gives 5.6e-45), in the output and in the input it "restored".
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
def clamp_where_kernel(x, mask, a, b, clamped, picked, lo, hi, n, BDX: tl.constexpr, BDY: tl.constexpr, BDZ: tl.constexpr, BX: tl.constexpr, BY: tl.constexpr, BZ: tl.constexpr, LANES: tl.constexpr):
    """CUDA kernel clamp_where (clamp_where.cu:3): one program per CUDA block, one lane per thread."""
    _lane = tl.arange(0, LANES)
    _zi = tl.zeros([LANES], dtype=tl.int32)
    _tid_x = (_lane % BX).to(tl.uint32)
    _tid_y = ((_lane // BX) % BY).to(tl.uint32)
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
    _valid = (_tid_x < _bdim_x) & (_tid_y < _bdim_y) & (_tid_z < _bdim_z)  # padding lanes off
    _act = _valid
    _ltid = (_tid_x + _tid_y * _bdim_x + _tid_z * _bdim_x * _bdim_y).to(tl.int32)
    _pid = _bid_x.to(tl.int64) + _bid_y.to(tl.int64) * _gdim_x + _bid_z.to(tl.int64) * _gdim_x * _gdim_y
    lo = tl.full([], lo, tl.float32)
    hi = tl.full([], hi, tl.float32)
    n = tl.full([], n, tl.int32)
    i = (((_bid_x * _bdim_x) + _tid_x)).to(tl.int32)  # line 6
    c1 = (i >= n)  # line 7
    m2 = (_act & c1)  # line 7
    _act = (_act & (m2 == 0))  # line 8
    tl.store(x + i, tl.load(x + i, mask=_act, other=0) * 0.5, mask=_act)  # x as scratch: halved in place
    v = tl.load(x + i, mask=_act, other=0) * 2.0
    tl.store(x + i, v, mask=_act)  # ... and doubled back
    c3 = (v < lo)  # line 11
    m4 = (_act & c3)  # line 11
    v = tl.where(m4, (tl.zeros([LANES], tl.float32) + lo), v)  # line 12
    m5 = (_act & (c3 == 0))  # line 11
    c6 = (v > hi)  # line 13
    m7 = (m5 & c6)  # line 13
    v = tl.where(m7, (tl.zeros([LANES], tl.float32) + hi), v)  # line 14
    tl.store(clamped + i, v, mask=_act)  # line 16
    c8 = (tl.load(mask + i, mask=_act, other=0) != tl.full([], 0, tl.uint8))  # line 17
    m9 = (_act & c8)  # line 17
    tl.store(picked + i, tl.load(a + i, mask=m9, other=0), mask=m9)  # line 18
    m10 = (_act & (c8 == 0))  # line 17
    tl.store(picked + i, (2.0 * tl.load(b + i, mask=m10, other=0)), mask=m10)  # line 20


def clamp_where(x, mask, a, b, clamped, picked, lo, hi, n, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0):
    """Launch clamp_where as CUDA would: grid of blocks, block of threads."""
    (_gx, _gy, _gz), (_bx, _by, _bz) = _dim3(grid), _dim3(block)
    _BX, _BY, _BZ = _p2(_bx), _p2(_by), _p2(_bz)
    _dev = _device(x, mask, a, b, clamped, picked)
    _programs = _gx * _gy * _gz
    clamp_where_kernel[(_gx, _gy, _gz)](x, mask, a, b, clamped, picked, lo, hi, n, BDX=_bx, BDY=_by, BDZ=_bz, BX=_BX, BY=_BY, BZ=_BZ, LANES=_BX * _BY * _BZ, num_warps=4)


KERNELS = {'clamp_where': clamp_where}
