"""The text every emitted NKI module starts with: imports and the trace-time helpers.

The helpers run while NKI traces the kernel (plain Python deciding slices and issuing
``nisa`` instructions), so the emitted kernels stay short. Lane layout: a CUDA block of
``L`` lanes (threads, padded to a power of two) is one SBUF tile of shape ``(P, F)`` with
``P = min(L, 128)`` partitions and ``F = L // P`` elements per partition; lane ``l`` lives at
``(l // F, l % F)``, so ``L`` consecutive array elements fill the tile in C order and one
``dma_copy`` per rectangle moves them. Ragged edges are split into at most three rectangles.
Lane masks are float32 tiles of 0/1.
"""

PRELUDE = '''"""NKI port of {source} made by porter (block program -> NKI tiles); do not edit by hand.

Each CUDA kernel is an @nki.jit kernel that runs the CUDA grid block by block; a block's
threads are one SBUF tile (partition dim <= 128). KERNELS maps the CUDA kernel names to
launchers f(*args, grid=, block=, shared_bytes=0) -> {{parameter index: new array}}.
Checked against porter's executable NKI model; see the NKI section of porter's README.
"""

import numpy as np

try:
    import nki.isa  # AWS's nki, when it is installed
except ImportError:  # porter's executable model of NKI stands in (not AWS's simulator)
    from porter.backends.nki.model import install_model

    install_model(force=True)
import nki
import nki.isa as nisa
import nki.language as nl

_PMAX = 128
_BIG = 2.0 ** 100  # two multiplies by this take any nonzero float32 past 1 (comparisons)


def _dim3(value):
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return tuple(int(v) for v in value) + (1,) * (3 - len(value))


def _p2(n):
    return 1 << max(0, int(n) - 1).bit_length()


def _layout(lanes):
    """(partitions, free) of the tile holding one block's lanes."""
    p = min(lanes, _PMAX)
    return p, lanes // p


def _wrap(value, bits, signed):
    value = int(value) & ((1 << bits) - 1)
    return value - (1 << bits) if signed and value >= 1 << (bits - 1) else value


def _int(value, bits, signed):
    """C conversion to an integer type: truncate toward zero, then wrap."""
    return _wrap(int(value), bits, signed)


def _idiv(a, b):
    q = abs(int(a)) // abs(int(b))
    return q if (a < 0) == (b < 0) else -q


def _imod(a, b):
    return int(a) - _idiv(a, b) * int(b)


def _pieces(lo, hi, free):
    """Rectangles (p0, p1, f0, f1, l0, l1) of the lane tile covering lanes [lo, hi)."""
    while lo < hi:
        p, f = divmod(lo, free)
        if f == 0 and hi - lo >= free:
            rows = (hi - lo) // free
            yield p, p + rows, 0, free, lo, lo + rows * free
            lo += rows * free
        else:
            end = min(hi, (p + 1) * free)
            yield p, p + 1, f, end - p * free, lo, end
            lo = end


def _lanes_in(start, stride, lanes, size):
    """Lanes l whose element start + stride * l lies inside an array of size elements."""
    if stride < 1:
        raise ValueError(f"porter NKI: index stride {{stride}} per thread is not a DMA slice")
    lo = max(0, (-start + stride - 1) // stride)
    hi = min(lanes, (size - 1 - start) // stride + 1) if size - 1 - start >= 0 else 0
    return lo, hi


def _load(dst, src, start, stride, shape):
    """dst[lane] = src[start + stride * lane] where that is inside src; 0 elsewhere."""
    nisa.memset(dst=dst, value=0)
    lo, hi = _lanes_in(start, stride, shape[0] * shape[1], src.shape[0])
    for p0, p1, f0, f1, l0, l1 in _pieces(lo, hi, shape[1]):
        a = start + stride * l0
        nisa.dma_copy(dst=dst[p0:p1, f0:f1], src=src[a:a + stride * (l1 - l0 - 1) + 1:stride])


def _store(dst, value, mask, start, stride, shape, dtype, integer):
    """dst[start + stride * lane] = value[lane] for the lanes of mask (read-modify-write)."""
    old = nl.ndarray(shape, dtype, buffer=nl.sbuf)
    _load(old, dst, start, stride, shape)
    new = _select(mask, value, old, shape, dtype, integer)
    lo, hi = _lanes_in(start, stride, shape[0] * shape[1], dst.shape[0])
    for p0, p1, f0, f1, l0, l1 in _pieces(lo, hi, shape[1]):
        a = start + stride * l0
        nisa.dma_copy(dst=dst[a:a + stride * (l1 - l0 - 1) + 1:stride], src=new[p0:p1, f0:f1])


def _store_lanes(dst, value, ranges, start, stride, shape):
    """dst[start + stride * lane] = value[lane] for the lanes in the ranges [(lo, hi)]."""
    lanes = shape[0] * shape[1]
    first, last = _lanes_in(start, stride, lanes, dst.shape[0])
    for lo, hi in ranges:
        lo, hi = max(first, int(lo)), min(last, lanes if hi is None else int(hi))
        for p0, p1, f0, f1, l0, l1 in _pieces(lo, hi, shape[1]):
            a = start + stride * l0
            nisa.dma_copy(dst=dst[a:a + stride * (l1 - l0 - 1) + 1:stride], src=value[p0:p1, f0:f1])


def _splat(value, shape, dtype):
    t = nl.ndarray(shape, dtype, buffer=nl.sbuf)
    nisa.memset(dst=t, value=value)
    return t


def _range_mask(lo, hi, shape):
    """0/1 mask of the lanes [lo, hi)."""
    m = _splat(0.0, shape, nl.float32)
    for p0, p1, f0, f1, _, _ in _pieces(max(lo, 0), min(hi, shape[0] * shape[1]), shape[1]):
        nisa.memset(dst=m[p0:p1, f0:f1], value=1.0)
    return m


def _lane_ids(shape):
    t = nl.ndarray(shape, nl.int32, buffer=nl.sbuf)
    nisa.iota(dst=t, pattern=[[1, shape[1]]], offset=0, channel_multiplier=shape[1])
    return t


def _step(d, shape, integer):
    """1.0 where d > 0, else 0.0 (d a float32 or int32 difference tile)."""
    s = nl.ndarray(shape, nl.float32, buffer=nl.sbuf)
    if integer:
        nisa.tensor_scalar(dst=s, data=d, op0=nl.maximum, operand0=0.0, op1=nl.minimum, operand1=1.0)
        return s
    nisa.tensor_scalar(dst=s, data=d, op0=nl.multiply, operand0=_BIG, op1=nl.multiply, operand1=_BIG)
    nisa.tensor_scalar(dst=s, data=s, op0=nl.maximum, operand0=0.0, op1=nl.minimum, operand1=1.0)
    return s


def _diff(a, b, shape, integer):
    """a - b as a tile (int32 for integers); a or b may be a trace-time number."""
    dtype = nl.int32 if integer else nl.float32
    if integer:
        a = a if not isinstance(a, (int, float, np.number)) else _splat(int(a), shape, dtype)
        b = b if not isinstance(b, (int, float, np.number)) else _splat(int(b), shape, dtype)
    d = nl.ndarray(shape, dtype, buffer=nl.sbuf)
    if isinstance(b, (int, float, np.number)):
        nisa.tensor_scalar(dst=d, data=a, op0=nl.subtract, operand0=b)
    elif isinstance(a, (int, float, np.number)):
        nisa.tensor_scalar(dst=d, data=b, op0=nl.subtract, operand0=a, reverse0=True)
    else:
        nisa.tensor_tensor(dst=d, data1=a, data2=b, op=nl.subtract)
    return d


def _not(m, shape):
    r = nl.ndarray(shape, nl.float32, buffer=nl.sbuf)
    nisa.tensor_scalar(dst=r, data=m, op0=nl.multiply, operand0=-1.0, op1=nl.add, operand1=1.0)
    return r


def _both(a, b, shape, op):
    r = nl.ndarray(shape, nl.float32, buffer=nl.sbuf)
    nisa.tensor_tensor(dst=r, data1=a, data2=b, op=op)
    return r


def _cmp(op, a, b, shape, integer):
    """0/1 mask of a <op> b, from the sign of the difference (no compare instruction needed)."""
    if op in (">", "<="):
        gt = _step(_diff(a, b, shape, integer), shape, integer)
        return gt if op == ">" else _not(gt, shape)
    if op in ("<", ">="):
        lt = _step(_diff(b, a, shape, integer), shape, integer)
        return lt if op == "<" else _not(lt, shape)
    ne = _both(_step(_diff(a, b, shape, integer), shape, integer),
               _step(_diff(b, a, shape, integer), shape, integer), shape, nl.add)
    return ne if op == "!=" else _not(ne, shape)


def _select(c, x, y, shape, dtype, integer):
    """c ? x : y per lane, as c * x + (1 - c) * y (exact for finite values)."""
    if integer:
        ci = nl.ndarray(shape, nl.int32, buffer=nl.sbuf)
        nisa.tensor_copy(dst=ci, src=c)
        cn = nl.ndarray(shape, nl.int32, buffer=nl.sbuf)
        nisa.tensor_scalar(dst=cn, data=ci, op0=nl.multiply, operand0=-1.0, op1=nl.add, operand1=1.0)
        c = ci
    else:
        cn = _not(c, shape)
    a = nl.ndarray(shape, dtype, buffer=nl.sbuf)
    nisa.tensor_tensor(dst=a, data1=x, data2=c, op=nl.multiply)
    b = nl.ndarray(shape, dtype, buffer=nl.sbuf)
    nisa.tensor_tensor(dst=b, data1=y, data2=cn, op=nl.multiply)
    r = nl.ndarray(shape, dtype, buffer=nl.sbuf)
    nisa.tensor_tensor(dst=r, data1=a, data2=b, op=nl.add)
    return r


def _run(kernel, args, bf16):
    """Run an @nki.jit kernel on numpy arrays: porter's model, or AWS's nki.simulate."""
    if getattr(nki, "__porter_model__", False):
        from porter.backends.nki.model import hbm_input, run_kernel

        args = [hbm_input(_from_bf16(a), nl.bfloat16) if i in bf16 and isinstance(a, np.ndarray) else a
                for i, a in enumerate(args)]
        out = run_kernel(kernel, *args)
    else:
        args = [_from_bf16(a) if i in bf16 and isinstance(a, np.ndarray) else a for i, a in enumerate(args)]
        out = nki.simulate(kernel)(*args)
    return () if out is None else out if isinstance(out, tuple) else (out,)


def _from_bf16(bits):
    bits = np.asarray(bits)
    if bits.dtype != np.uint16 and bits.dtype != np.int16:
        return bits.astype(np.float32)
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _to_bf16(values):
    values = np.ascontiguousarray(np.asarray(values, dtype=np.float32))
    bits = values.view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16  # values are already bfloat16: exact
    return bits.astype(np.uint16)
'''
