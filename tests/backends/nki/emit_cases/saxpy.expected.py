@nki.jit kernel that runs the CUDA grid block by block; a block's
threads are one SBUF tile (partition dim <= 128). KERNELS maps the CUDA kernel names to
launchers f(*cuda_args, grid=, block=, shared_bytes=0, stream=None) taking numpy arrays for
pointers: each writes the results into the arrays given for the parameters the kernel writes and
returns {parameter index: that array}.
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
_FLOATS = (nl.float32, nl.float16, nl.bfloat16)
_IDENTITY = {"add": 0.0, "max": -np.inf, "min": np.inf}
_REDUCE_OP = {"add": nl.add, "max": nl.maximum, "min": nl.minimum}


# ----------------------------------------------------------------------------- uniform values
def _dim3(value):
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return tuple(int(v) for v in value) + (1,) * (3 - len(value))


def _p2(n):
    return 1 << max(0, int(n) - 1).bit_length()


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


# ------------------------------------------------------------------------ lane-static values
def _lanes(block):
    """(tid_x, tid_y, tid_z, valid, (P, F)) of a block: numpy lane arrays and the tile shape."""
    bx, by, bz = (_p2(b) for b in block)
    lanes = bx * by * bz
    lane = np.arange(lanes, dtype=np.int64)
    tid = (lane % bx, (lane // bx) % by, lane // (bx * by))
    valid = (tid[0] < block[0]) & (tid[1] < block[1]) & (tid[2] < block[2])
    free = max(-(-lanes // _PMAX), bx if by * bz > 1 else 1)  # 2-D/3-D: an x row per partition
    return tid[0], tid[1], tid[2], valid, (lanes // free, free)


def _sw(values, bits, signed):
    """Lane-static integers wrapped to a C type (64-bit types stay int64)."""
    values = np.asarray(values, dtype=np.int64)
    if bits >= 64:
        return values
    values = values & ((1 << bits) - 1)
    return np.where(values >= 1 << (bits - 1), values - (1 << bits), values) if signed else values


def _sdiv(a, b):
    """C division (truncating) of lane-static integers; lanes dividing by 0 get 0."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    safe = np.where(b == 0, 1, b)
    q = np.abs(a) // np.abs(safe)
    return np.where(b == 0, 0, np.where((a < 0) == (safe < 0), q, -q))


def _smod(a, b):
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    return np.where(b == 0, 0, a - _sdiv(a, b) * b)


_RUNS = {}


def _runs(index, active, lanes):
    """Runs (l0, l1, start, stride) of active lanes whose index grows by a constant stride."""
    index = np.broadcast_to(np.asarray(index, dtype=np.int64), (lanes,))
    active = np.broadcast_to(np.asarray(active, dtype=bool), (lanes,))
    key = ((index - index[0]).tobytes(), active.tobytes())
    if key not in _RUNS:
        rel = index - index[0]
        runs, l = [], 0
        while l < lanes:
            if not active[l]:
                l += 1
                continue
            l0, stride, l = l, 0, l + 1
            if l < lanes and active[l]:
                stride, l = int(rel[l] - rel[l - 1]), l + 1
                while l < lanes and active[l] and rel[l] - rel[l - 1] == stride:
                    l += 1
            runs.append((l0, l, int(rel[l0]), stride))
        _RUNS[key] = runs
    return [(l0, l1, int(index[0]) + rel, stride) for l0, l1, rel, stride in _RUNS[key]]


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


def _itile(values, shape, dtype):
    """A tile holding lane-static integers: one iota per run of evenly stepping lanes."""
    lanes = shape[0] * shape[1]
    values = np.broadcast_to(np.asarray(values, dtype=np.int64), (lanes,))
    if values.min() < -2 ** 31 or values.max() >= 2 ** 31:
        raise ValueError("porter NKI: a lane-static integer does not fit iota's int32")
    t = nl.ndarray(shape, dtype, buffer=nl.sbuf)
    for l0, l1, start, stride in _runs(values, True, lanes):
        for p0, p1, f0, f1, a0, a1 in _pieces(l0, l1, shape[1]):
            nisa.iota(dst=t[p0:p1, f0:f1], pattern=[[stride, f1 - f0]],
                      offset=start + stride * (a0 - l0), channel_multiplier=stride * shape[1])
    return t


def _mtile(mask, shape):
    """A uint8 0/1 tile of a lane-static mask."""
    lanes = shape[0] * shape[1]
    t = nl.ndarray(shape, nl.uint8, buffer=nl.sbuf)
    nisa.memset(dst=t, value=0)
    for l0, l1, _, _ in _runs(0, mask, lanes):
        for p0, p1, f0, f1, _, _ in _pieces(l0, l1, shape[1]):
            nisa.memset(dst=t[p0:p1, f0:f1], value=1)
    return t


def _splat(value, shape, dtype):
    t = nl.ndarray(shape, dtype, buffer=nl.sbuf)
    nisa.memset(dst=t, value=value)
    return t


# ------------------------------------------------------------------------- memory (DMA runs)
def _size(array):
    """Elements of a flat array: a 1-D HBM tensor or a (1, N) SBUF tile (shared memory)."""
    return array.shape[-1]


def _flat(array, start, count, stride):
    """The elements start, start + stride, ... (count of them) of a flat array, as a view."""
    end = start + stride * (count - 1) + 1
    return array[start:end:stride] if len(array.shape) == 1 else array[0:1, start:end:stride]


def _bcast_into(dst, src, dtype):
    """Every element of the tile view dst = the single element src (a view of one element)."""
    rows, per = dst.shape[0], dst.size // dst.shape[0]
    integer = dtype not in _FLOATS
    kind = dtype if integer else nl.float32
    one = nl.ndarray((1, 1), kind, buffer=nl.sbuf)
    nisa.dma_copy(dst=one, src=src)
    row = nl.ndarray((1, rows * per), kind, buffer=nl.sbuf)
    if integer:  # 0 | v: the bit pattern, exact
        nisa.memset(dst=row, value=0)
        nisa.tensor_scalar(dst=row, data=row, op0=nl.bitwise_or, operand0=one)
    else:  # 1.0 * v: exact, -0.0, inf and NaN included
        nisa.memset(dst=row, value=1.0)
        nisa.tensor_scalar(dst=row, data=row, op0=nl.multiply, operand0=one)
    nisa.dma_copy(dst=dst, src=row)  # C order: the row refills the rectangle


def _gather(dst, array, index, active, shape, dtype, fill=True):
    """dst[lane] = array[index[lane]] for the active lanes whose index is inside the array
    (0 in the others when fill); index and active are lane-static (numpy or numbers)."""
    lanes = shape[0] * shape[1]
    index = np.broadcast_to(np.asarray(index, dtype=np.int64), (lanes,))
    inside = (index >= 0) & (index < _size(array))
    if active is not None:
        inside = inside & np.broadcast_to(np.asarray(active, dtype=bool), (lanes,))
    if fill:
        nisa.memset(dst=dst, value=0)
    for l0, l1, start, stride in _runs(index, inside, lanes):
        for p0, p1, f0, f1, a0, a1 in _pieces(l0, l1, shape[1]):
            first = start + stride * (a0 - l0)
            if stride > 0:
                nisa.dma_copy(dst=dst[p0:p1, f0:f1], src=_flat(array, first, a1 - a0, stride))
            elif stride == 0:
                _bcast_into(dst[p0:p1, f0:f1], _flat(array, first, 1, 1), dtype)
            else:
                for lane in range(a0, a1):
                    p, f = divmod(lane, shape[1])
                    nisa.dma_copy(dst=dst[p:p + 1, f:f + 1], src=_flat(array, int(index[lane]), 1, 1))


def _scatter(array, value, index, active, shape):
    """array[index[lane]] = value[lane] for the active lanes (lane-static), in lane order;
    where several lanes hit one element the last one wins (a race in CUDA)."""
    lanes = shape[0] * shape[1]
    index = np.broadcast_to(np.asarray(index, dtype=np.int64), (lanes,))
    inside = (index >= 0) & (index < _size(array)) & np.broadcast_to(np.asarray(active, dtype=bool), (lanes,))
    for l0, l1, start, stride in _runs(index, inside, lanes):
        if stride > 0:
            for p0, p1, f0, f1, a0, a1 in _pieces(l0, l1, shape[1]):
                first = start + stride * (a0 - l0)
                nisa.dma_copy(dst=_flat(array, first, a1 - a0, stride), src=value[p0:p1, f0:f1])
        else:
            for lane in (range(l0, l1) if stride < 0 else (l1 - 1,)):
                p, f = divmod(lane, shape[1])
                nisa.dma_copy(dst=_flat(array, int(index[lane]), 1, 1), src=value[p:p + 1, f:f + 1])


def _store_where(array, value, index, candidates, mask, shape, dtype):
    """array[index[lane]] = value[lane] where the mask tile is 1, among the lane-static
    candidate lanes: read the old values, select, write back."""
    lanes = shape[0] * shape[1]
    index = np.broadcast_to(np.asarray(index, dtype=np.int64), (lanes,))
    inside = (index >= 0) & (index < _size(array)) & np.broadcast_to(np.asarray(candidates, dtype=bool), (lanes,))
    if len(np.unique(index[inside])) != int(inside.sum()):
        raise ValueError("porter NKI: lanes that may store to one element under a data-dependent "
                         "condition (no exact NKI form)")
    old = nl.ndarray(shape, dtype, buffer=nl.sbuf)
    _gather(old, array, index, inside, shape, dtype)
    _scatter(array, _select(mask, value, old, shape, dtype), index, inside, shape)


# ------------------------------------------------------------------------------ tile helpers
def _select(mask, x, y, shape, dtype):
    """mask ? x : y per lane (mask a uint8 tile; x a tile or a Python number; y a tile)."""
    out = nl.ndarray(shape, dtype, buffer=nl.sbuf)
    nisa.tensor_copy(dst=out, src=y)
    nisa.tensor_copy_predicated(dst=out, src=x, predicate=mask)
    return out


def _cmp(op, a, b, shape):
    """A uint8 0/1 mask of a <op> b (tiles or Python numbers), compared in float32."""
    m = nl.ndarray(shape, nl.uint8, buffer=nl.sbuf)
    if not isinstance(b, (int, float, np.number)):
        if isinstance(a, (int, float, np.number)):
            nisa.tensor_scalar(dst=m, data=b, op0=op, operand0=a, reverse0=True)
        else:
            nisa.tensor_tensor(dst=m, data1=a, data2=b, op=op)
    else:
        nisa.tensor_scalar(dst=m, data=a, op0=op, operand0=b)
    return m


def _logic(op, a, b, shape):
    """&&, || of two uint8 0/1 masks (bitwise on 0/1 is exact)."""
    m = nl.ndarray(shape, nl.uint8, buffer=nl.sbuf)
    nisa.tensor_tensor(dst=m, data1=a, data2=b, op=op)
    return m


def _not(m, shape):
    r = nl.ndarray(shape, nl.uint8, buffer=nl.sbuf)
    nisa.tensor_scalar(dst=r, data=m, op0=nl.bitwise_xor, operand0=1)
    return r


def _relayout(src, shape, dtype):
    """src's lanes in another (P, F) shape, through one SBUF-to-SBUF DMA (C order)."""
    t = nl.ndarray(shape, dtype, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=src)
    return t


def _reduce(op, value, mask, shape, group):
    """reduce(op) of value over the lanes of mask, per run of `group` lanes (None: the whole
    block); every lane gets its run's result. Lanes are laid out as (runs, group) by DMA, reduced
    along the free axis, broadcast back along it and laid out again."""
    lanes = shape[0] * shape[1]
    group = lanes if group is None else min(group, lanes)
    masked = _select(mask, value, _splat(_IDENTITY[op], shape, nl.float32), shape, nl.float32)
    rows = _relayout(masked, (lanes // group, group), nl.float32)
    r = nl.ndarray((lanes // group, 1), nl.float32, buffer=nl.sbuf)
    nisa.tensor_reduce(dst=r, op=_REDUCE_OP[op], data=rows, axis=1)
    back = _splat(1.0, (lanes // group, group), nl.float32)
    nisa.tensor_scalar(dst=back, data=back, op0=nl.multiply, operand0=r)
    return _relayout(back, shape, nl.float32)


def _lane_of(ltid, block):
    """The lane holding CUDA's linear thread index ltid (lanes pad each dimension to a power of two)."""
    bx, by = block[0], block[1]
    ltid = np.asarray(ltid, dtype=np.int64)
    return ltid % bx + _p2(bx) * ((ltid // bx) % by + _p2(by) * (ltid // (bx * by)))


def _shuffle(value, source, ok, ltid, block, shape, dtype):
    """The value of the thread with linear index source[lane] for the lanes of ok whose source is
    a thread of the block (lane-static), value[lane] elsewhere (as __shfl_*_sync)."""
    lanes = shape[0] * shape[1]
    source = np.asarray(source, dtype=np.int64)
    ok = ok & (source >= 0) & (source < block[0] * block[1] * block[2]) & (ltid < block[0] * block[1] * block[2])
    flat = _relayout(value, (1, lanes), dtype)
    out = nl.ndarray(shape, dtype, buffer=nl.sbuf)
    nisa.tensor_copy(dst=out, src=value)
    _gather(out, flat, _lane_of(source, block), ok, shape, dtype, fill=False)
    return out


# ------------------------------------------------------------------------------- launching
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


def _no_stream(kernel, stream):
    raise ValueError(f"{kernel}: an NKI launch runs on the host (porter's model or nki.simulate); stream= takes "
                     f"only None, got {_what(stream)}")


def _host(kernel, name, ctype, value, want, written):
    """Raises the error of a pointer argument that is not a numpy array of the element type want
    (bfloat16: also 16-bit integer bit patterns), or is read-only and written by the kernel."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes a numpy array (an NKI port runs on the host: "
                        f"porter's model or nki.simulate); got {_what(value)}")
    if value.dtype.name != want and not (want == "bfloat16" and value.dtype.name in ("uint16", "int16")):
        bits = " (or uint16 bit patterns)" if want == "bfloat16" else ""
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes {want} elements{bits}; got {_what(value)} "
                        "(porter converts no element type silently)")
    if written and not value.flags.writeable:
        raise ValueError(f"{kernel}: parameter {name} ({ctype}) is written by the kernel; the numpy array is read-only")


def _write_back(out, buffers):
    """The kernel's results (bfloat16 ones as bit patterns) copied into the caller's arrays (those
    it returned: a kernel stubbed out by the LLM stage's no-op check returns none)."""
    for index in list(out):
        result, array = out[index], buffers[index]
        if result.dtype != array.dtype and result.dtype.itemsize == array.dtype.itemsize == 2:
            result = result.view(array.dtype)  # bfloat16 bit patterns into a bfloat16 or int16 array
        array[...] = result.reshape(array.shape)
        out[index] = array


_KINDS = (('tensor(', 'a torch tensor'), ('Array(', 'a jax array'), ('array(', 'a numpy array'), ('Traced<', 'a traced jax array'))


def _what(value):
    """A short description of an argument for messages: what it is, its element type and device."""
    text = repr(value)
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        return text if len(text) <= 40 else text[:37] + "..."
    kind = "an array"
    for start, name in _KINDS:
        if text.startswith(start):
            kind = name
    device = getattr(value, "device", None)
    where = f" on {device}" if device is not None and not callable(device) else ""
    return f"{kind} of {str(dtype).replace('torch.', '')}{where}"


def _whole(value):
    """Whether value is an integer: a Python int, or a 0-d integer array or numpy/torch scalar."""
    if isinstance(value, int):
        return True
    return getattr(value, "shape", None) == () and "int" in str(getattr(value, "dtype", ""))


def _dims(kernel, what, value):
    """A launch dimension (an int or up to three ints, CUDA's dim3) as a 3-tuple of positive ints."""
    if isinstance(value, tuple) and len(value) == 3:
        x, y, z = value
        if isinstance(x, int) and isinstance(y, int) and isinstance(z, int) and x > 0 and y > 0 and z > 0:
            return value
    dims = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if not 1 <= len(dims) <= 3 or not all(_whole(v) for v in dims):
        raise TypeError(f"{kernel}: {what}= takes an int or up to three ints (CUDA's dim3); got {value!r}")
    dims = tuple(int(v) for v in dims) + (1,) * (3 - len(dims))
    if min(dims) < 1:
        raise ValueError(f"{kernel}: {what}={value!r}: every dimension must be at least 1")
    return dims


def _geometry(kernel, grid, block, shared_bytes):
    """(grid, block) as 3-tuples of positive ints, the block within CUDA's 1024 threads, and
    shared_bytes a number of bytes; an error naming the kernel otherwise."""
    if isinstance(grid, tuple) and isinstance(block, tuple) and len(grid) == 3 and len(block) == 3:
        (gx, gy, gz), (bx, by, bz) = grid, block  # the usual call, checked without calls
        if isinstance(gx, int) and isinstance(gy, int) and isinstance(gz, int) and isinstance(bx, int) and \
                isinstance(by, int) and isinstance(bz, int) and isinstance(shared_bytes, int) and \
                gx > 0 and gy > 0 and gz > 0 and bx > 0 and by > 0 and bz > 0 and bx * by * bz <= 1024 and \
                shared_bytes >= 0:
            return grid, block
    g, b = _dims(kernel, "grid", grid), _dims(kernel, "block", block)
    if b[0] * b[1] * b[2] > 1024:
        raise ValueError(f"{kernel}: block={block!r} has {b[0] * b[1] * b[2]} threads; CUDA allows at most 1024")
    if not _whole(shared_bytes) or shared_bytes < 0:
        raise ValueError(f"{kernel}: shared_bytes={shared_bytes!r} must be a number of bytes >= 0")
    return g, b


def _no_shared(kernel, name, ctype, shared_bytes):
    raise ValueError(f"{kernel}: the kernel uses extern __shared__ {ctype} {name}[] (dynamic shared memory) "
                     f"and shared_bytes={shared_bytes} holds no {ctype}: pass shared_bytes=, the size in bytes "
                     f"that CUDA's launch gives as the third <<<grid, block, bytes>>> argument")


def _integer(kernel, name, ctype, value):
    """An integer scalar argument as a Python int (numpy and 0-d integer arrays included)."""
    if not _whole(value):
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes an integer; got {_what(value)}")
    return int(value)


def _real(kernel, name, ctype, value):
    """A floating-point scalar argument as a Python float (ints, numpy and 0-d arrays included)."""
    number = isinstance(value, (int, float)) or getattr(value, "shape", None) == () and (
        "int" in str(getattr(value, "dtype", "")) or "float" in str(getattr(value, "dtype", "")))
    if not number:
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes a number; got {_what(value)}")
    return float(value)


@nki.jit
def saxpy_kernel(n, a, x, y, grid, block, smem):
    """CUDA kernel saxpy (saxpy.cu:2): the grid block by block, a block's threads as one SBUF tile."""
    (_gdim_x, _gdim_y, _gdim_z), (_bdim_x, _bdim_y, _bdim_z) = grid, block
    _tid_x, _tid_y, _tid_z, _act0, _S = _lanes(block)  # thread indices of the lanes; tile (P, F)
    n = _int(n, 32, True)
    a = np.float32(a)
    y_out = nl.ndarray(y.shape, y.dtype, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=y_out, src=y)  # y is written: HBM output
    y = y_out

    def _one_block(_bid_x, _bid_y, _bid_z, n, a, x, y):
        act = _act0  # lanes of real threads
        i = _sw(_sw(np.add(_wrap((_bid_x * _bdim_x), 32, False), _tid_x), 32, False), 32, True)  # line 3
        c1 = np.less(i, n)  # line 4
        m2 = np.logical_and(act, c1)  # line 4
        _t1 = nl.ndarray(_S, nl.float32, buffer=nl.sbuf)
        _gather(_t1, x, i, m2, _S, nl.float32)
        _t2 = nl.ndarray(_S, nl.float32, buffer=nl.sbuf)
        nisa.tensor_scalar(dst=_t2, data=_t1, op0=nl.multiply, operand0=a)
        _t3 = nl.ndarray(_S, nl.float32, buffer=nl.sbuf)
        _gather(_t3, y, i, m2, _S, nl.float32)
        _t4 = nl.ndarray(_S, nl.float32, buffer=nl.sbuf)
        nisa.tensor_tensor(dst=_t4, data1=_t2, data2=_t3, op=nl.add)
        _scatter(y, _t4, i, m2, _S)  # line 5

    for _bid_z in nl.static_range(_gdim_z):
        for _bid_y in nl.static_range(_gdim_y):
            for _bid_x in nl.static_range(_gdim_x):
                _one_block(_bid_x, _bid_y, _bid_z, n, a, x, y)
    return (y_out, )


def saxpy(n, a, x, y, *, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0, stream=None):
    """Launch saxpy as CUDA would; writes the numpy arrays of the pointers it writes in place and returns {parameter index: array} for them."""
    (_gx, _gy, _gz), (_bx, _by, _bz) = _geometry('saxpy', grid, block, shared_bytes)
    if not isinstance(n, int):
        n = _integer('saxpy', 'n', 'int', n)
    if not isinstance(a, float):
        a = _real('saxpy', 'a', 'float', a)
    if stream is not None:
        _no_stream('saxpy', stream)
    if not isinstance(x, np.ndarray) or x.dtype != 'float32':
        _host('saxpy', 'x', 'float*', x, 'float32', False)
    if not isinstance(y, np.ndarray) or y.dtype != 'float32' or not y.flags.writeable:
        _host('saxpy', 'y', 'float*', y, 'float32', True)
    _res = _run(saxpy_kernel, [n, a, np.ascontiguousarray(x).reshape(-1), np.ascontiguousarray(y).reshape(-1), (_gx, _gy, _gz), (_bx, _by, _bz), int(shared_bytes)], [])
    _out = dict(zip([3], (np.asarray(o) for o in _res)))
    _write_back(_out, {3: y})
    return _out

KERNELS = {'saxpy': saxpy}
