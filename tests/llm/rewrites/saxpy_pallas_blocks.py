"""Legitimate (Pallas): 1024-element blocks through BlockSpecs (the array padded to whole blocks)
instead of one program per 256-thread CUDA block with masked gathers."""
import jax
import jax.numpy as jnp
from jax.experimental import pallas as pl

INTERPRET = False
BLOCK = 1024


def saxpy(n, a, x, y, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0):
    size = -(-int(n) // BLOCK) * BLOCK
    xs = jnp.pad(jnp.ravel(x), (0, size - x.size))
    ys = jnp.pad(jnp.ravel(y), (0, size - y.size))

    def kernel(x_ref, y_ref, o_ref):
        o_ref[...] = a * x_ref[...] + y_ref[...]

    spec = pl.BlockSpec((BLOCK,), lambda i: (i,))
    out = pl.pallas_call(kernel, grid=(size // BLOCK,), in_specs=[spec, spec], out_specs=spec,
                         out_shape=jax.ShapeDtypeStruct((size,), ys.dtype), interpret=INTERPRET)(xs, ys)
    return {3: out[: y.size].reshape(jnp.shape(y))}


KERNELS = {"saxpy": saxpy}
