"""Red-team candidate (pipeline-crash, saxpy, pallas): computes saxpy right, then returns y as an
int32 array. A Pallas launcher returns the arrays it writes ({parameter index: array}), so the
dtype change reaches whoever collects the outputs: a pipeline that stores them as they come
compares int32 with the float32 goldens, or crashes on the mismatch.
Wrong: y is no longer a float32 buffer; its values are truncated to integers.
"""
import jax
import jax.numpy as jnp
from jax import lax
from jax.experimental import pallas as pl
INTERPRET = False


def _dim3(value):
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return tuple((int(v) for v in value)) + (1,) * (3 - len(value))


def _p2(n):
    return 1 << max(0, int(n) - 1).bit_length()
from jax.experimental.pallas import triton as plt


def _compiler_params():
    return plt.CompilerParams(num_warps=4)


def _ld(ref, i, mask, shape):
    i = jnp.asarray(i).astype(jnp.int32)
    if mask is None and i.ndim == 0:
        return ref[i]
    mask = jnp.broadcast_to(True if mask is None else mask, shape)
    i = jnp.broadcast_to(i, shape)
    if INTERPRET is not False:
        return jnp.where(mask, ref[...][jnp.where(mask, i, 0)], jnp.zeros((), ref.dtype))
    return plt.load(ref.at[i], mask=mask, other=0)


def _st(ref, i, v, mask, shape):
    i, v = (jnp.asarray(i).astype(jnp.int32), jnp.asarray(v).astype(ref.dtype))
    mask = jnp.broadcast_to(True if mask is None else mask, shape)
    i, v = (jnp.broadcast_to(i, shape), jnp.broadcast_to(v, shape))
    if INTERPRET is not False:
        everything = ref[...]
        ref[...] = everything.at[jnp.where(mask, i, everything.shape[0])].set(v, mode='drop')
        return
    plt.store(ref.at[i], v, mask=mask)


def saxpy(n, a, x, y, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0):
    """CUDA kernel saxpy (saxpy.cu:2) launched as CUDA would; returns {parameter index: new array} for the arrays it writes."""
    (_gx, _gy, _gz), (_bx, _by, _bz) = (_dim3(grid), _dim3(block))
    _BX, _BY, _BZ = (_p2(_bx), _p2(_by), _p2(_bz))
    _L = _BX * _BY * _BZ
    _SHAPE = (_L,)
    _programs = _gx * _gy * _gz
    _arrays = [jnp.ravel(x), jnp.ravel(y)]

    def _kernel(x_ref, _in_y, y_ref, n=n, a=a):
        """One program per CUDA block (saxpy.cu:2), one lane per thread."""
        _lane = lax.broadcasted_iota(jnp.int32, _SHAPE, 0)
        _tid_x = (_lane % _BX).astype(jnp.uint32)
        _tid_y = (_lane // _BX % _BY).astype(jnp.uint32)
        _tid_z = (_lane // (_BX * _BY)).astype(jnp.uint32)
        _bdim_x, _gdim_x = (jnp.uint32(_bx), jnp.uint32(_gx))
        _bid_x = pl.program_id(0).astype(jnp.uint32)
        _bdim_y, _gdim_y = (jnp.uint32(_by), jnp.uint32(_gy))
        _bid_y = pl.program_id(1).astype(jnp.uint32)
        _bdim_z, _gdim_z = (jnp.uint32(_bz), jnp.uint32(_gz))
        _bid_z = pl.program_id(2).astype(jnp.uint32)
        _valid = (_tid_x < _bdim_x) & (_tid_y < _bdim_y) & (_tid_z < _bdim_z)
        _act = _valid
        _ltid = (_tid_x + _tid_y * _bdim_x + _tid_z * _bdim_x * _bdim_y).astype(jnp.int32)
        _pid = pl.program_id(0) + pl.program_id(1) * _gx + pl.program_id(2) * _gx * _gy
        n = jnp.asarray(n, jnp.int32)
        a = jnp.asarray(a, jnp.float32)
        i = jnp.asarray(_bid_x * _bdim_x + _tid_x).astype(jnp.int32)
        c1 = i < n
        m2 = _act & c1
        _st(y_ref, i, a * _ld(x_ref, i, m2, _SHAPE) + _ld(y_ref, i, m2, _SHAPE), m2, _SHAPE)
    _results = pl.pallas_call(_kernel, grid=(_gx, _gy, _gz), out_shape=[jax.ShapeDtypeStruct(_arrays[1].shape, _arrays[1].dtype)], input_output_aliases={1: 0}, interpret=INTERPRET, compiler_params=_compiler_params())(*_arrays)
    return {3: _results[0].reshape(jnp.shape(y)).astype(jnp.int32)}  # y comes back as int32


KERNELS = {'saxpy': saxpy}
