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

import operator

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
    if isinstance(value, np.ndarray):
        if value.dtype.name != want:
            raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes {want} elements; got a numpy array of "
                            f"{value.dtype.name} (porter converts no element type silently)")
        if written and not value.flags.writeable:
            raise ValueError(f"{kernel}: parameter {name} ({ctype}) is written by the kernel; the numpy array is "
                             "read-only")
        array = jnp.asarray(value)
        if array.dtype != dtype:
            raise ValueError(f"{kernel}: parameter {name} ({ctype}): jax turned the {want} array into "
                             f"{array.dtype.name}; 64-bit types need jax.config.update('jax_enable_x64', True)")
        if written:
            back.append((index, value))
        return array
    if isinstance(value, jax.Array):
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes {want} elements; got a jax array of "
                        f"{value.dtype.name} (convert it with .astype(jnp.{want}); porter converts no element type "
                        "silently)")
    raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes a jax or numpy array; got {_what(value)}"
                    + (" (torch tensors are not taken: pass t.cpu().numpy())" if type(value).__module__.startswith(
                        "torch") else ""))


def _copy_back(back, out):
    """Results of the numpy arrays given for written parameters, copied into those arrays."""
    for index, array in back:
        np.copyto(array, np.asarray(out[index]).reshape(array.shape))
        out[index] = array


def _what(value):
    """A short description of an argument for messages: its type, element type and device."""
    kind = type(value)
    dtype = getattr(value, "dtype", None)
    device = getattr(value, "device", None)
    text = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__.split('.')[0]}.{kind.__name__}"
    if dtype is not None:
        text += f" of {str(dtype).replace('torch.', '')}"
    if device is not None and not callable(device):
        text += f" on {device}"
    return text


def _geometry(kernel, grid, block, shared_bytes):
    """(grid, block) as 3-tuples of positive ints; a ValueError naming the kernel otherwise."""
    try:
        g = tuple(grid) if isinstance(grid, (tuple, list)) else (grid,)
        b = tuple(block) if isinstance(block, (tuple, list)) else (block,)
        g = tuple(operator.index(v) for v in g) + (1,) * (3 - len(g))
        b = tuple(operator.index(v) for v in b) + (1,) * (3 - len(b))
    except TypeError:
        raise TypeError(f"{kernel}: grid= and block= take an int or up to three ints (CUDA's dim3); "
                        f"got grid={grid!r}, block={block!r}") from None
    if len(g) != 3 or len(b) != 3 or min(g + b) < 1:
        raise ValueError(f"{kernel}: grid={grid!r}, block={block!r}: each takes one to three dimensions, "
                         f"every one at least 1")
    if b[0] * b[1] * b[2] > 1024:
        raise ValueError(f"{kernel}: block={block!r} has {b[0] * b[1] * b[2]} threads; CUDA allows at most 1024")
    try:
        shared = operator.index(shared_bytes)
    except TypeError:
        shared = -1
    if shared < 0:
        raise ValueError(f"{kernel}: shared_bytes={shared_bytes!r} must be a number of bytes >= 0")
    return g, b


def _no_shared(kernel, name, ctype, shared_bytes):
    raise ValueError(f"{kernel}: the kernel uses extern __shared__ {ctype} {name}[] (dynamic shared memory) "
                     f"and shared_bytes={shared_bytes} holds no {ctype}: pass shared_bytes=, the size in bytes "
                     f"that CUDA's launch gives as the third <<<grid, block, bytes>>> argument")


def _integer(kernel, name, ctype, value):
    """An integer scalar argument as a Python int (numpy and 0-d integer arrays included)."""
    if isinstance(value, (str, bytes, float)) or getattr(value, "ndim", 0) != 0:
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes an integer; got {_what(value)}")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{kernel}: parameter {name} ({ctype}) takes an integer; got {_what(value)}") from None


def _real(kernel, name, ctype, value):
    """A floating-point scalar argument as a Python float (ints, numpy and 0-d arrays included)."""
    if isinstance(value, (str, bytes)) or getattr(value, "ndim", 0) != 0 or not hasattr(type(value), "__float__"):
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
    if type(n) is not int:
        n = _integer('saxpy', 'n', 'int', n)
    if type(a) is not float:
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
