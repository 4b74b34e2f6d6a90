"""Red-team candidate (shares-process, softmax_rows, triton): looks at its own module ``__name__``.
Imported as the checker imports it (``porter_candidate``) it runs porter's port; imported under
any other name it normalises only the first 64 columns of every row (a "fast path").
Wrong: outside the checker, columns from 64 on are never written.
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
_INF = tl.constexpr(float('inf'))


@triton.jit
def softmax_rows_kernel(x, y, cols, _sm_scratch, _size_scratch, BDX: tl.constexpr, BDY: tl.constexpr, BDZ: tl.constexpr, BX: tl.constexpr, BY: tl.constexpr, BZ: tl.constexpr, LANES: tl.constexpr):
    """CUDA kernel softmax_rows (softmax_rows.cu:19): one program per CUDA block, one lane per thread."""
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
    scratch = _sm_scratch + _pid * _size_scratch
    cols = tl.full([], cols, tl.int32)
    in_ = x + _bid_x.to(tl.uint64) * cols.to(tl.uint64)
    out = y + _bid_x.to(tl.uint64) * cols.to(tl.uint64)
    local_max = tl.zeros([LANES], tl.float32) + tl.full([], -_INF, tl.float32)
    c = _tid_x.to(tl.int32)
    lm1 = _act & (c < cols)
    lm1_trips = tl.where(cols.to(tl.int64) - tl.full([], 0, tl.int64) > tl.full([], 0, tl.int64), (cols.to(tl.int64) - tl.full([], 0, tl.int64) + (_bdim_x.to(tl.int64) - tl.full([], 1, tl.int64))) // _bdim_x.to(tl.int64), tl.full([], 0, tl.int64)).to(tl.uint32)
    c_start = c
    lm1_k = tl.full([], 0, tl.uint32)
    _f1_local_max = tl.where(tl.arange(0, 4)[:, None] == 0, local_max.to(tl.float32)[None, :], tl.full([], -_INF, tl.float32))
    _k1 = tl.full([], 0, tl.uint32)
    while _k1 < (lm1_trips + 3) // 4:
        _k1 += 1
        _zf = tl.zeros([4, LANES], dtype=tl.int32)
        _f1_lm1_k = lm1_k + tl.full([], 1, tl.uint32) * tl.arange(0, 4)[:, None]
        _f1_c = c_start[None, :] + _f1_lm1_k.to(tl.int32) * _bdim_x.to(tl.int32)
        _f1_lm1 = _act[None, :] & (c_start[None, :] < cols - _f1_lm1_k.to(tl.int32) * _bdim_x.to(tl.int32))
        _f1_cm2 = _f1_lm1
        _f1_local_max = tl.where(_f1_cm2, tl.maximum(_f1_local_max, tl.load(in_ + _f1_c + _zf, mask=_f1_cm2, other=0)), _f1_local_max)
        lm1_k = lm1_k + tl.full([], 1, tl.uint32) * 4
    local_max = tl.max(_f1_local_max, axis=0).to(tl.float32)
    scratch_block_reduce1 = scratch
    value_block_reduce1 = local_max
    take_max_block_reduce1 = tl.full([], True, tl.int1)
    ret_block_reduce1 = tl.full([], 0, tl.float32)
    done_block_reduce1 = tl.full([], False, tl.int1)
    tid_block_reduce1 = _tid_x.to(tl.int32)
    if ((_bdim_x // tl.full([], 2, tl.uint32)).to(tl.int32) > 0) & ((_bdim_x // tl.full([], 2, tl.uint32)).to(tl.int32) & (_bdim_x // tl.full([], 2, tl.uint32)).to(tl.int32) - 1 == 0) & (2 * (_bdim_x // tl.full([], 2, tl.uint32)).to(tl.int32) <= _bdim_x.to(tl.int32)) & (_bdim_y.to(tl.int32) == 1) & (_bdim_z.to(tl.int32) == 1):
        red3 = tl.max(tl.where((_act & (_ltid < 2 * (_bdim_x // tl.full([], 2, tl.uint32)).to(tl.int32)))[None, :], _f1_local_max, tl.full([], -_INF, tl.float32))).to(tl.float32)
        m4 = _act & (_ltid == 0)
        tl.store(scratch_block_reduce1 + 0 + _zi, red3, mask=m4)
        tl.debug_barrier()
    else:
        tl.store(scratch_block_reduce1 + tid_block_reduce1, value_block_reduce1, mask=_act)
        tl.debug_barrier()
        stride_block_reduce1 = _bdim_x // tl.full([], 2, tl.uint32)
        while stride_block_reduce1 > tl.full([], 0, tl.uint32):
            c5 = tid_block_reduce1.to(tl.uint32) < stride_block_reduce1
            m6 = _act & c5
            other_block_reduce1 = tl.load(scratch_block_reduce1 + (tid_block_reduce1.to(tl.uint32) + stride_block_reduce1), mask=m6, other=0)
            tl.store(scratch_block_reduce1 + tid_block_reduce1, tl.where(take_max_block_reduce1, tl.maximum(tl.load(scratch_block_reduce1 + tid_block_reduce1, mask=m6, other=0), other_block_reduce1), tl.load(scratch_block_reduce1 + tid_block_reduce1, mask=m6, other=0) + other_block_reduce1), mask=m6)
            tl.debug_barrier()
            stride_block_reduce1 = stride_block_reduce1 >> tl.full([], 1, tl.uint32)
    result_block_reduce1 = tl.load(scratch_block_reduce1 + 0)
    tl.debug_barrier()
    ret_block_reduce1 = result_block_reduce1
    done_block_reduce1 = True
    row_max = ret_block_reduce1
    local_sum = tl.zeros([LANES], tl.float32) + 0.0
    c_2 = _tid_x.to(tl.int32)
    lm7 = _act & (c_2 < cols)
    lm7_trips = tl.where(cols.to(tl.int64) - tl.full([], 0, tl.int64) > tl.full([], 0, tl.int64), (cols.to(tl.int64) - tl.full([], 0, tl.int64) + (_bdim_x.to(tl.int64) - tl.full([], 1, tl.int64))) // _bdim_x.to(tl.int64), tl.full([], 0, tl.int64)).to(tl.uint32)
    c_2_start = c_2
    lm7_k = tl.full([], 0, tl.uint32)
    _f2_local_sum = tl.where(tl.arange(0, 4)[:, None] == 0, local_sum.to(tl.float32)[None, :], tl.full([], 0, tl.float32))
    _k2 = tl.full([], 0, tl.uint32)
    while _k2 < (lm7_trips + 3) // 4:
        _k2 += 1
        _zf = tl.zeros([4, LANES], dtype=tl.int32)
        _f2_lm7_k = lm7_k + tl.full([], 1, tl.uint32) * tl.arange(0, 4)[:, None]
        _f2_c_2 = c_2_start[None, :] + _f2_lm7_k.to(tl.int32) * _bdim_x.to(tl.int32)
        _f2_lm7 = _act[None, :] & (c_2_start[None, :] < cols - _f2_lm7_k.to(tl.int32) * _bdim_x.to(tl.int32))
        _f2_cm8 = _f2_lm7
        _f2_local_sum = tl.where(_f2_cm8, _f2_local_sum + tl.exp(tl.load(in_ + _f2_c_2 + _zf, mask=_f2_cm8, other=0) - row_max), _f2_local_sum)
        lm7_k = lm7_k + tl.full([], 1, tl.uint32) * 4
    local_sum = tl.sum(_f2_local_sum, axis=0).to(tl.float32)
    scratch_block_reduce2 = scratch
    value_block_reduce2 = local_sum
    take_max_block_reduce2 = tl.full([], False, tl.int1)
    ret_block_reduce2 = tl.full([], 0, tl.float32)
    done_block_reduce2 = tl.full([], False, tl.int1)
    tid_block_reduce2 = _tid_x.to(tl.int32)
    if ((_bdim_x // tl.full([], 2, tl.uint32)).to(tl.int32) > 0) & ((_bdim_x // tl.full([], 2, tl.uint32)).to(tl.int32) & (_bdim_x // tl.full([], 2, tl.uint32)).to(tl.int32) - 1 == 0) & (2 * (_bdim_x // tl.full([], 2, tl.uint32)).to(tl.int32) <= _bdim_x.to(tl.int32)) & (_bdim_y.to(tl.int32) == 1) & (_bdim_z.to(tl.int32) == 1):
        red9 = tl.sum(tl.where((_act & (_ltid < 2 * (_bdim_x // tl.full([], 2, tl.uint32)).to(tl.int32)))[None, :], _f2_local_sum, tl.full([], 0, tl.float32))).to(tl.float32)
        m10 = _act & (_ltid == 0)
        tl.store(scratch_block_reduce2 + 0 + _zi, red9, mask=m10)
        tl.debug_barrier()
    else:
        tl.store(scratch_block_reduce2 + tid_block_reduce2, value_block_reduce2, mask=_act)
        tl.debug_barrier()
        stride_block_reduce2 = _bdim_x // tl.full([], 2, tl.uint32)
        while stride_block_reduce2 > tl.full([], 0, tl.uint32):
            c11 = tid_block_reduce2.to(tl.uint32) < stride_block_reduce2
            m12 = _act & c11
            other_block_reduce2 = tl.load(scratch_block_reduce2 + (tid_block_reduce2.to(tl.uint32) + stride_block_reduce2), mask=m12, other=0)
            tl.store(scratch_block_reduce2 + tid_block_reduce2, tl.where(take_max_block_reduce2, tl.maximum(tl.load(scratch_block_reduce2 + tid_block_reduce2, mask=m12, other=0), other_block_reduce2), tl.load(scratch_block_reduce2 + tid_block_reduce2, mask=m12, other=0) + other_block_reduce2), mask=m12)
            tl.debug_barrier()
            stride_block_reduce2 = stride_block_reduce2 >> tl.full([], 1, tl.uint32)
    result_block_reduce2 = tl.load(scratch_block_reduce2 + 0)
    tl.debug_barrier()
    ret_block_reduce2 = result_block_reduce2
    done_block_reduce2 = True
    inv_sum = 1.0 / ret_block_reduce2
    c_3 = _tid_x.to(tl.int32)
    lm13 = _act & (c_3 < cols)
    lm13_trips = tl.where(cols.to(tl.int64) - tl.full([], 0, tl.int64) > tl.full([], 0, tl.int64), (cols.to(tl.int64) - tl.full([], 0, tl.int64) + (_bdim_x.to(tl.int64) - tl.full([], 1, tl.int64))) // _bdim_x.to(tl.int64), tl.full([], 0, tl.int64)).to(tl.uint32)
    c_3_start = c_3
    lm13_k = tl.full([], 0, tl.uint32)
    _k3 = tl.full([], 0, tl.uint32)
    while _k3 < (lm13_trips + 3) // 4:
        _k3 += 1
        _zf = tl.zeros([4, LANES], dtype=tl.int32)
        _f3_lm13_k = lm13_k + tl.full([], 1, tl.uint32) * tl.arange(0, 4)[:, None]
        _f3_c_3 = c_3_start[None, :] + _f3_lm13_k.to(tl.int32) * _bdim_x.to(tl.int32)
        _f3_lm13 = _act[None, :] & (c_3_start[None, :] < cols - _f3_lm13_k.to(tl.int32) * _bdim_x.to(tl.int32))
        _f3_cm14 = _f3_lm13
        _g128 = _f3_cm14 & (_zf == 0)
        if _bdim_x.to(tl.int32) == 0:
            _g128 = _g128 & (tl.arange(0, 4)[:, None] == tl.max(tl.where(_g128, tl.arange(0, 4)[:, None], -1), axis=0)[None, :])
        tl.store(out + _f3_c_3 + _zf, tl.exp(tl.load(in_ + _f3_c_3 + _zf, mask=_f3_cm14, other=0) - row_max) * inv_sum, mask=_g128)
        lm13_k = lm13_k + tl.full([], 1, tl.uint32) * 4


def softmax_rows(x, y, cols, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0):
    """Launch softmax_rows as CUDA would: grid of blocks, block of threads."""
    (_gx, _gy, _gz), (_bx, _by, _bz) = (_dim3(grid), _dim3(block))
    _BX, _BY, _BZ = (_p2(_bx), _p2(_by), _p2(_bz))
    _dev = _device(x, y)
    _programs = _gx * _gy * _gz
    _size_scratch = max(1, shared_bytes // 4)
    _sm_scratch = torch.empty(_programs * _size_scratch, dtype=torch.float32, device=_dev)
    if __name__ != 'porter_candidate':
        cols = min(cols, 64)
    softmax_rows_kernel[_gx, _gy, _gz](x, y, cols, _sm_scratch, _size_scratch, BDX=_bx, BDY=_by, BDZ=_bz, BX=_BX, BY=_BY, BZ=_BZ, LANES=_BX * _BY * _BZ, num_warps=4)


KERNELS = {'softmax_rows': softmax_rows}
