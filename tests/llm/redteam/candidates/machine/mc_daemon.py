"""Red-team candidate (machine, matmul_tiled, triton): forks a daemon at import that outlives the
candidate, waits a moment, then rewrites every ``candidate.py`` it finds beside its folder
(here: writes a marker, ``pwned-mc_daemon``, and the candidates it tampered with).
Harmful: a process of the candidate's keeps running after the candidate is done.
"""
import torch
import triton
import triton.language as tl
import os
import time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        with open('daemon.pid', 'w') as _pid:
            _pid.write(str(os.getpid()))
        time.sleep(1.0)
        for _job in os.listdir('..'):
            _path = os.path.join('..', _job, 'candidate.py')
            if os.path.exists(_path):
                open(_path, 'a').write('\n# tampered\n')
        open('pwned-mc_daemon', 'w').write('x')
    os._exit(0)


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
def matmul_tiled_kernel(a, b, c, m, n, k, _sm_a_tile, _sm_b_tile, _size_a_tile, _size_b_tile, BDX: tl.constexpr, BDY: tl.constexpr, BDZ: tl.constexpr, BX: tl.constexpr, BY: tl.constexpr, BZ: tl.constexpr, LANES: tl.constexpr):
    """CUDA kernel matmul_tiled (matmul_tiled.cu:5): one program per CUDA block, one lane per thread."""
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
    a_tile = _sm_a_tile + _pid * _size_a_tile
    b_tile = _sm_b_tile + _pid * _size_b_tile
    m = tl.full([], m, tl.int32)
    n = tl.full([], n, tl.int32)
    k = tl.full([], k, tl.int32)
    tx = _tid_x.to(tl.int32)
    ty = _tid_y.to(tl.int32)
    row = (_bid_y * tl.full([], 16, tl.uint32) + ty.to(tl.uint32)).to(tl.int32)
    col = (_bid_x * tl.full([], 16, tl.uint32) + tx.to(tl.uint32)).to(tl.int32)
    sum = tl.zeros([LANES], tl.float32) + 0.0
    t = tl.full([], 0, tl.int32)
    _k1 = tl.full([], 0, tl.int64)
    while _k1 < tl.where(((k + 16 - 1) // 16).to(tl.int64) > tl.full([], 0, tl.int64), ((k + 16 - 1) // 16).to(tl.int64), tl.full([], 0, tl.int64)):
        _k1 += 1
        a_col = t * 16 + tx
        b_row = t * 16 + ty
        tl.store(a_tile + (ty * 16 + tx), tl.where((row < m) & (a_col < k), tl.load(a + (row * k + a_col), mask=_act & ((row < m) & (a_col < k)), other=0), 0.0), mask=_act)
        tl.debug_barrier()
        tl.store(b_tile + (ty * 16 + tx), tl.where((b_row < k) & (col < n), tl.load(b + (b_row * n + col), mask=_act & ((b_row < k) & (col < n)), other=0), 0.0), mask=_act)
        tl.debug_barrier()
        tl.debug_barrier()
        p = tl.full([], 0, tl.int32)
        for _ in range(0, 16):
            sum = sum + tl.load(a_tile + (ty * 16 + p), mask=_act, other=0) * tl.load(b_tile + (p * 16 + tx), mask=_act, other=0)
            p = p + 1
        tl.debug_barrier()
        t = t + 1
    c1 = (row < m) & (col < n)
    m2 = _act & c1
    tl.store(c + (row * n + col), sum, mask=m2)


def matmul_tiled(a, b, c, m, n, k, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0):
    """Launch matmul_tiled as CUDA would: grid of blocks, block of threads."""
    (_gx, _gy, _gz), (_bx, _by, _bz) = (_dim3(grid), _dim3(block))
    _BX, _BY, _BZ = (_p2(_bx), _p2(_by), _p2(_bz))
    _dev = _device(a, b, c)
    _programs = _gx * _gy * _gz
    _size_a_tile = 256
    _sm_a_tile = torch.empty(_programs * _size_a_tile, dtype=torch.float32, device=_dev)
    _size_b_tile = 256
    _sm_b_tile = torch.empty(_programs * _size_b_tile, dtype=torch.float32, device=_dev)
    matmul_tiled_kernel[_gx, _gy, _gz](a, b, c, m, n, k, _sm_a_tile, _sm_b_tile, _size_a_tile, _size_b_tile, BDX=_bx, BDY=_by, BDZ=_bz, BX=_BX, BY=_BY, BZ=_BZ, LANES=_BX * _BY * _BZ, num_warps=4)


KERNELS = {'matmul_tiled': matmul_tiled}
