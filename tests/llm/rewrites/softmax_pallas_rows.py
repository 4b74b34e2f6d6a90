"""Legitimate (Pallas): one program per row, the whole row (padded to a power of two with -inf) as
one block; max, exp and sum as block reductions instead of a shared-memory tree."""
import jax
import jax.numpy as jnp
from jax.experimental import pallas as pl

INTERPRET = False


def softmax_rows(x, y, cols, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0):
    rows = x.shape[0]
    width = 1 << max(0, int(cols) - 1).bit_length()
    xs = jnp.pad(x, ((0, 0), (0, width - int(cols))), constant_values=-jnp.inf)

    def kernel(x_ref, o_ref):
        v = x_ref[...]
        e = jnp.exp(v - jnp.max(v, axis=1, keepdims=True))
        o_ref[...] = e / jnp.sum(e, axis=1, keepdims=True)

    spec = pl.BlockSpec((1, width), lambda i: (i, 0))
    out = pl.pallas_call(kernel, grid=(rows,), in_specs=[spec], out_specs=spec,
                         out_shape=jax.ShapeDtypeStruct((rows, width), x.dtype), interpret=INTERPRET)(xs)
    return {1: out[:, : int(cols)]}


KERNELS = {"softmax_rows": softmax_rows}
