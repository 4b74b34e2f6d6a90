"""JAX Pallas (tpu flavour) port of saxpy.cu made by porter (SIMT-to-tile lowering); do not edit by hand.

Each CUDA kernel is one pl.pallas_call for Mosaic TPU: the kernel's threads are
independent, so the grid is re-tiled: program i takes global threads [1024 i, 1024 (i + 1)) as an
(8, 128) block (arrays padded to whole tiles by the launcher; BlockSpecs (8, 128) -> (i, 0)).
threadIdx/blockIdx are computed per element from the global id; loads read the block, stores
write it under the CUDA mask (outputs start as a copy of their aliased inputs).
KERNELS maps kernel names to launchers with the CUDA signature; each returns
{parameter index: new array} for the arrays the kernel writes. Set INTERPRET before calling to
run on the CPU (True, or pltpu.InterpretParams(...)). 64-bit types need jax_enable_x64.
"""

import jax
import jax.numpy as jnp
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


from jax.experimental.pallas import tpu as pltpu

_TILE = 1024
_SHAPE = (_TILE // 128, 128)


def _compiler_params():
    return pltpu.CompilerParams(dimension_semantics=("parallel",))


def _tile(array, total):
    flat = jnp.ravel(array)
    return jnp.pad(flat, (0, total - flat.shape[0])).reshape(-1, 128)


def saxpy(n, a, x, y, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0):
    """CUDA kernel saxpy (saxpy.cu:2) launched as CUDA would; returns {parameter index: new array} for the arrays it writes."""
    (_gx, _gy, _gz), (_bx, _by, _bz) = _dim3(grid), _dim3(block)
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
    return {3: _results[0].reshape(-1)[:jnp.size(y)].reshape(jnp.shape(y))}

KERNELS = {'saxpy': saxpy}
