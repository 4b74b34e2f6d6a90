"""JAX Pallas (gpu flavour) port of saxpy.cu made by porter (SIMT-to-tile lowering); do not edit by hand.

Each CUDA kernel is one pl.pallas_call with the Triton lowering chosen explicitly
(pallas.triton.CompilerParams): one program per CUDA block, one lane per CUDA thread (block
dimensions padded to powers of two, padding lanes masked off), whole arrays as refs read and
written with masked gathers/scatters; __shared__ arrays and warp exchanges live in per-block slices
of extra outputs; __syncthreads is pallas.triton.debug_barrier. Under INTERPRET, loads, stores and
atomics are emulated with whole-array jnp updates (the interpreter has no masked atomics).
KERNELS maps kernel names to launchers f(*cuda_args, grid=, block=, shared_bytes=0, stream=None)
taking jax or numpy arrays for pointers: each writes the results into the numpy arrays given for
the parameters the kernel writes and returns {parameter index: array} for those parameters (the
numpy array itself, or a new jax array: jax arrays are immutable). Set INTERPRET before calling to
run on the CPU (True, or pltpu.InterpretParams(...)). 64-bit types need jax_enable_x64.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.experimental import pallas as pl

FLAVOR = "gpu"
INTERPRET = False


def _dim3(value):
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return tuple(int(v) for v in value) + (1,) * (3 - len(value))


def _p2(n):
    return 1 << max(0, int(n) - 1).bit_length()


def _round(x):
    # roundf: half away from zero, from floor (jax 0.11's Pallas-Triton lowering has no `round`);
    # on |x|, where |x| - floor(|x|) is exact
    a = jnp.abs(x)
    r = jnp.floor(a)
    r = jnp.where(a - r >= 0.5, r + 1.0, r)
    return jnp.where(x < 0, -r, r)


def _rint(x):
    # rintf / __float2int_rn: half to even, from floor as _round
    a = jnp.abs(x)
    r = jnp.floor(a)
    d = a - r
    odd = r - 2.0 * jnp.floor(r * 0.5) == 1.0
    r = jnp.where((d > 0.5) | ((d == 0.5) & odd), r + 1.0, r)
    return jnp.where(x < 0, -r, r)


def _no_stream(kernel, stream):
    raise ValueError(f"{kernel}: a Pallas launch runs where jax runs it; stream= takes only None, got {_what(stream)}")


def _array(kernel, index, name, ctype, value, dtype, back, written):
    """A pointer argument that is not a jax array of dtype: a numpy array of the right element
    type becomes one (and, if written, gets the results after the launch, through back);
    anything else is an error naming the parameter."""
    want = jnp.dtype(dtype).name
    if isinstance(value, jax.Array):
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes {want} elements; got {_what(value)} (convert "
                        f"it with .astype(jnp.{want}); porter converts no element type silently)")
    if not isinstance(getattr(value, "dtype", None), np.dtype) or getattr(value, "flags", None) is None:
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes a jax or numpy array; got {_what(value)}")
    if value.dtype != dtype:
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes {want} elements; got {_what(value)} "
                        "(porter converts no element type silently)")
    if written and not value.flags.writeable:
        raise ValueError(f"{kernel}: parameter {name} ({ctype}) is written by the kernel; the numpy array is "
                         "read-only")
    array = jnp.asarray(value)
    if array.dtype != dtype:
        raise ValueError(f"{kernel}: parameter {name} ({ctype}): jax made {array.dtype} of the {want} array; "
                         "64-bit types need jax.config.update('jax_enable_x64', True)")
    if written:
        back.append((index, value))
    return array


def _copy_back(back, out):
    """Results of the numpy arrays given for written parameters, copied into those arrays."""
    for index, array in back:
        if index in out:  # (a kernel stubbed out by the LLM stage's no-op check returns nothing)
            array[...] = out[index].reshape(array.shape)
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


from jax.experimental.pallas import triton as plt


def _compiler_params():
    return plt.CompilerParams(num_warps=4)


def _barrier():
    if INTERPRET is False:
        plt.debug_barrier()


def _ld(ref, i, mask, shape):
    i = jnp.asarray(i).astype(jnp.int32)
    if mask is None and i.ndim == 0:
        return ref[i]
    mask = jnp.broadcast_to(True if mask is None else mask, shape)
    i = jnp.broadcast_to(i, shape)
    if INTERPRET is not False:
        return jnp.where(mask, ref[...][jnp.where(mask, i, 0)], jnp.zeros((), ref.dtype))
    # lanes off the mask read nothing, so the index stays as computed: Triton then sees the
    # contiguous runs (program_id * n + iota) and loads them as vectors
    return plt.load(ref.at[i], mask=mask, other=0)


def _st(ref, i, v, mask, shape):
    i, v = jnp.asarray(i).astype(jnp.int32), jnp.asarray(v).astype(ref.dtype)
    mask = jnp.broadcast_to(True if mask is None else mask, shape)
    i, v = jnp.broadcast_to(i, shape), jnp.broadcast_to(v, shape)
    if INTERPRET is not False:
        everything = ref[...]
        ref[...] = everything.at[jnp.where(mask, i, everything.shape[0])].set(v, mode="drop")
        return
    plt.store(ref.at[i], v, mask=mask)  # unclamped index, as in _ld


_COMBINE = {"add": lambda o, v, c: o + v, "max": lambda o, v, c: jnp.maximum(o, v),
            "min": lambda o, v, c: jnp.minimum(o, v), "xchg": lambda o, v, c: v,
            "and": lambda o, v, c: o & v, "or": lambda o, v, c: o | v, "xor": lambda o, v, c: o ^ v,
            "cas": lambda o, v, c: jnp.where(o == c, v, o)}
try:  # private: jax's in-place ref update, lowered by Pallas-Triton to an integer atomic add
    from jax._src.state.primitives import ref_addupdate as _addupdate
except ImportError:
    _addupdate = None
_ATOMIC = {"add": plt.atomic_add, "max": plt.atomic_max, "min": plt.atomic_min, "xchg": plt.atomic_xchg,
           "and": plt.atomic_and, "or": plt.atomic_or, "xor": plt.atomic_xor}


def _atomic(op, ref, i, v, mask, shape, cmp=None, old=True):
    i, v = jnp.asarray(i).astype(jnp.int32), jnp.asarray(v).astype(ref.dtype)
    mask = jnp.broadcast_to(True if mask is None else mask, shape)
    i, v = jnp.where(mask, jnp.broadcast_to(i, shape), 0), jnp.broadcast_to(v, shape)
    c = jnp.broadcast_to(jnp.asarray(0 if cmp is None else cmp).astype(ref.dtype), shape)
    if INTERPRET is False and op == "add" and not old and jnp.issubdtype(ref.dtype, jnp.integer):
        # plt.atomic_add of integer lane vectors lowers to a float add (tt.atomic_rmw fadd);
        # the ref add-update primitive is an integer atomic add. Lanes off the mask add 0.
        if _addupdate is None:
            raise NotImplementedError("this jax has no ref add-update primitive for integer atomicAdd")
        _addupdate(ref, i, jnp.where(mask, v, jnp.zeros((), ref.dtype)))
        return None
    if INTERPRET is False and op != "cas":
        return _ATOMIC[op](ref, i, v, mask=mask)
    if INTERPRET is False:
        return plt.atomic_cas(ref.at[i], c, v)

    def one_lane(k, old):  # lanes in order, one at a time: atomics as the interpreter can run them
        current = ref[i[k]]
        ref[i[k]] = jnp.where(mask[k], _COMBINE[op](current, v[k], c[k]), current)
        return old.at[k].set(current)
    return lax.fori_loop(0, shape[0], one_lane, jnp.zeros(shape, ref.dtype))


def _exchange(buf, offset, value, src, ok, ltid, valid, shape):
    # a warp shuffle: every lane publishes its value, then reads its source lane's (CUDA lane
    # numbering: linear thread index; warps of 32)
    _barrier()
    _st(buf, offset + ltid, value, valid, shape)
    _barrier()
    got = _ld(buf, offset + src, valid & ok, shape)
    _barrier()
    return jnp.where(ok, got, value)


def saxpy(n, a, x, y, *, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0, stream=None):
    """CUDA kernel saxpy (saxpy.cu:2) launched as CUDA would; writes numpy buffers in place and returns {parameter index: array} for the arrays it writes."""
    (_gx, _gy, _gz), (_bx, _by, _bz) = _geometry('saxpy', grid, block, shared_bytes)
    if not isinstance(n, int):
        n = _integer('saxpy', 'n', 'int', n)
    if not isinstance(a, float):
        a = _real('saxpy', 'a', 'float', a)
    if stream is not None:
        _no_stream('saxpy', stream)
    _back = []
    if not isinstance(x, jax.Array) or x.dtype != jnp.float32:
        x = _array('saxpy', 2, 'x', 'float*', x, jnp.float32, _back, False)
    if not isinstance(y, jax.Array) or y.dtype != jnp.float32:
        y = _array('saxpy', 3, 'y', 'float*', y, jnp.float32, _back, True)
    _BX, _BY, _BZ = _p2(_bx), _p2(_by), _p2(_bz)
    _L = _BX * _BY * _BZ  # lanes: the block's threads, padded to powers of two
    _SHAPE = (_L,)
    _programs = _gx * _gy * _gz
    _arrays = [jnp.ravel(x), jnp.ravel(y)]
    
    def _kernel(x_ref, _in_y, y_ref, n=n, a=a):  # refs, then by-value parameters
        """One program per CUDA block (saxpy.cu:2), one lane per thread."""
        _lane = lax.broadcasted_iota(jnp.int32, _SHAPE, 0)
        _tid_x = (_lane % _BX).astype(jnp.uint32)
        _tid_y = ((_lane // _BX) % _BY).astype(jnp.uint32)
        _tid_z = (_lane // (_BX * _BY)).astype(jnp.uint32)
        _bdim_x, _gdim_x = jnp.uint32(_bx), jnp.uint32(_gx)
        _bid_x = pl.program_id(0).astype(jnp.uint32)
        _bdim_y, _gdim_y = jnp.uint32(_by), jnp.uint32(_gy)
        _bid_y = pl.program_id(1).astype(jnp.uint32)
        _bdim_z, _gdim_z = jnp.uint32(_bz), jnp.uint32(_gz)
        _bid_z = pl.program_id(2).astype(jnp.uint32)
        _valid = (_tid_x < _bdim_x) & (_tid_y < _bdim_y) & (_tid_z < _bdim_z)  # padding lanes off
        _act = _valid
        _ltid = (_tid_x + _tid_y * _bdim_x + _tid_z * _bdim_x * _bdim_y).astype(jnp.int32)
        _pid = pl.program_id(0) + pl.program_id(1) * _gx + pl.program_id(2) * _gx * _gy
        n = jnp.asarray(n, jnp.int32)  # by-value parameter
        a = jnp.asarray(a, jnp.float32)  # by-value parameter
        i = jnp.asarray(((_bid_x * _bdim_x) + _tid_x)).astype(jnp.int32)  # saxpy.cu:3
        c1 = (i < n)  # saxpy.cu:4
        m2 = (_act & c1)  # divergent branch  # saxpy.cu:4
        _st(y_ref, i, ((a * _ld(x_ref, i, m2, _SHAPE)) + _ld(y_ref, i, m2, _SHAPE)), m2, _SHAPE)  # saxpy.cu:5
    
    _results = pl.pallas_call(_kernel, grid=(_gx, _gy, _gz), out_shape=[jax.ShapeDtypeStruct(_arrays[1].shape, _arrays[1].dtype)],
                              input_output_aliases={1: 0}, interpret=INTERPRET,
                              compiler_params=_compiler_params())(*_arrays)
    _out = {3: _results[0].reshape(jnp.shape(y))}
    if _back:
        _copy_back(_back, _out)
    return _out

KERNELS = {'saxpy': saxpy}
