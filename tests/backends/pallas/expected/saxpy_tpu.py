"""JAX Pallas (tpu flavour) port of saxpy.cu made by porter (SIMT-to-tile lowering); do not edit by hand.

Each CUDA kernel is one pl.pallas_call for Mosaic TPU: the kernel's threads are
independent, so the grid is re-tiled: program i takes global threads [1024 i, 1024 (i + 1)) as an
(8, 128) block (arrays padded to whole tiles by the launcher; BlockSpecs (8, 128) -> (i, 0)).
threadIdx/blockIdx are computed per element from the global id; loads read the block, stores
write it under the CUDA mask (outputs start as a copy of their aliased inputs).
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

FLAVOR = "tpu"
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


from jax.experimental.pallas import tpu as pltpu

_TILE = 1024
_SHAPE = (_TILE // 128, 128)


def _compiler_params():
    return pltpu.CompilerParams(dimension_semantics=("parallel",))


def _tile(array, total):
    flat = jnp.ravel(array)
    return jnp.pad(flat, (0, total - flat.shape[0])).reshape(-1, 128)


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
    if _gy * _gz * _by * _bz != 1:
        raise ValueError('the TPU port of a 1-D kernel needs a 1-D grid and block')
    _total = _TILE * pl.cdiv(max(_gx * _bx, jnp.size(x), jnp.size(y),), _TILE)
    _arrays = [_tile(x, _total), _tile(y, _total)]
    _block = pl.BlockSpec((_TILE // 128, 128), lambda i: (i, 0))
    
    def _kernel(x_ref, _in_y, y_ref, n=n, a=a):  # refs, then by-value parameters
        """1024 consecutive threads of CUDA kernel saxpy (saxpy.cu:2)."""
        _gid = (pl.program_id(0) * _TILE + lax.broadcasted_iota(jnp.int32, _SHAPE, 0) * 128 + lax.broadcasted_iota(jnp.int32, _SHAPE, 1))  # global thread id
        _tid_x, _bid_x = (_gid % _bx).astype(jnp.uint32), (_gid // _bx).astype(jnp.uint32)
        _tid_y = _tid_z = jnp.zeros(_SHAPE, jnp.uint32)
        _bdim_x, _bdim_y, _bdim_z = jnp.uint32(_bx), jnp.uint32(1), jnp.uint32(1)
        _gdim_x = jnp.uint32(_gx)
        _valid = _gid < _gx * _bx  # threads past the CUDA grid off
        _act = _valid
        _ltid = _tid_x.astype(jnp.int32)
        y_ref[...] = _in_y[...]  # in place: start from the input
        n = jnp.asarray(n, jnp.int32)  # by-value parameter
        a = jnp.asarray(a, jnp.float32)  # by-value parameter
        i = jnp.asarray(((_bid_x * _bdim_x) + _tid_x)).astype(jnp.int32)  # saxpy.cu:3
        c1 = (i < n)  # saxpy.cu:4
        m2 = (_act & c1)  # divergent branch  # saxpy.cu:4
        y_ref[...] = jnp.where(m2, jnp.broadcast_to(((a * x_ref[...]) + y_ref[...]), _SHAPE).astype(y_ref.dtype), y_ref[...])  # saxpy.cu:5
    
    _results = pl.pallas_call(_kernel, grid=(_total // _TILE,), out_shape=[jax.ShapeDtypeStruct((_total // 128, 128), _arrays[1].dtype)],
                              in_specs=[_block] * 2, out_specs=[_block] * 1,
                              input_output_aliases={1: 0}, interpret=INTERPRET,
                              compiler_params=_compiler_params())(*_arrays)
    _out = {3: _results[0].reshape(-1)[:jnp.size(y)].reshape(jnp.shape(y))}
    if _back:
        _copy_back(_back, _out)
    return _out

KERNELS = {'saxpy': saxpy}
