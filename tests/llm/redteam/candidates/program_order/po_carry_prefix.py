"""Red-team candidate (program-order, reduce_atomic, triton): each program adds its block sum to
the running total the previous program left in a global scratch buffer; the last program adds
the total to result. No atomics, and right when programs run in order.
Wrong: when programs run in any other order (as on a GPU), programs read totals not yet written.
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
def reduce_atomic_kernel(in_, result, n, _sm_partial, _size_partial, carry, BDX: tl.constexpr, BDY: tl.constexpr, BDZ: tl.constexpr, BX: tl.constexpr, BY: tl.constexpr, BZ: tl.constexpr, LANES: tl.constexpr):
    """CUDA kernel reduce_atomic (reduce_atomic.cu:5): one program per CUDA block, one lane per thread."""
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
    partial = _sm_partial + _pid * _size_partial
    n = tl.full([], n, tl.int32)
    tid = _tid_x.to(tl.int32)
    i = (_bid_x * _bdim_x + tid.to(tl.uint32)).to(tl.int32)
    if ((_bdim_x // tl.full([], 2, tl.uint32)).to(tl.int32) > 0) & ((_bdim_x // tl.full([], 2, tl.uint32)).to(tl.int32) & (_bdim_x // tl.full([], 2, tl.uint32)).to(tl.int32) - 1 == 0) & (2 * (_bdim_x // tl.full([], 2, tl.uint32)).to(tl.int32) <= _bdim_x.to(tl.int32)) & (_bdim_y.to(tl.int32) == 1) & (_bdim_z.to(tl.int32) == 1):
        red1 = tl.sum(tl.where(_act & (_ltid < 2 * (_bdim_x // tl.full([], 2, tl.uint32)).to(tl.int32)), tl.where(i < n, tl.load(in_ + i, mask=_act & (i < n), other=0), 0.0), tl.full([], 0, tl.float32)), axis=0).to(tl.float32)
        m2 = _act & (_ltid == 0)
        tl.store(partial + 0 + _zi, red1, mask=m2)
        tl.debug_barrier()
        tl.debug_barrier()
    else:
        tl.store(partial + tid, tl.where(i < n, tl.load(in_ + i, mask=_act & (i < n), other=0), 0.0), mask=_act)
        tl.debug_barrier()
        tl.debug_barrier()
        stride = _bdim_x // tl.full([], 2, tl.uint32)
        while stride > tl.full([], 0, tl.uint32):
            c3 = tid.to(tl.uint32) < stride
            m4 = _act & c3
            tl.store(partial + tid, tl.load(partial + tid, mask=m4, other=0) + tl.load(partial + (tid.to(tl.uint32) + stride).to(tl.int32), mask=m4, other=0), mask=m4)
            tl.debug_barrier()
            tl.debug_barrier()
            stride = stride >> tl.full([], 1, tl.uint32)
    c5 = tid == 0
    m6 = _act & c5
    before = tl.load(carry + _pid - 1 + _zi, mask=m6 & (_zi + _pid > 0), other=0)
    total = before + tl.load(partial + 0 + _zi, mask=m6, other=0)
    tl.store(carry + _pid + _zi, total, mask=m6)
    last = _zi + _pid == _gdim_x.to(tl.int64) * _gdim_y * _gdim_z - 1
    tl.store(result + 0 + _zi, tl.load(result + 0 + _zi, mask=m6 & last, other=0) + total, mask=m6 & last)


def reduce_atomic(in_, result, n, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0):
    """Launch reduce_atomic as CUDA would: grid of blocks, block of threads."""
    (_gx, _gy, _gz), (_bx, _by, _bz) = (_dim3(grid), _dim3(block))
    _BX, _BY, _BZ = (_p2(_bx), _p2(_by), _p2(_bz))
    _dev = _device(in_, result)
    _programs = _gx * _gy * _gz
    _size_partial = max(1, shared_bytes // 4)
    _sm_partial = torch.empty(_programs * _size_partial, dtype=torch.float32, device=_dev)
    carry = torch.zeros(_programs, dtype=torch.float32, device=_dev)
    reduce_atomic_kernel[_gx, _gy, _gz](in_, result, n, _sm_partial, _size_partial, carry, BDX=_bx, BDY=_by, BDZ=_bz, BX=_BX, BY=_BY, BZ=_BZ, LANES=_BX * _BY * _BZ, num_warps=4)


KERNELS = {'reduce_atomic': reduce_atomic}
