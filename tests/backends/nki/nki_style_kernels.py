"""Small kernels written the way porter will emit NKI (>= 0.3 style), run under porter's model.

Imported by test_kernels.py while porter's model is installed as ``nki``.
"""

import nki
import nki.isa as nisa
import nki.language as nl

P = 128


@nki.jit
def vector_add(a, b):
    """a + b over (128, 512) tiles; both edges may be ragged."""
    rows, cols = a.shape
    out = nl.ndarray(a.shape, a.dtype, buffer=nl.shared_hbm)
    for i in nl.affine_range((rows + P - 1) // P):
        r0, nr = i * P, min(P, rows - i * P)
        for j in nl.affine_range((cols + 511) // 512):
            c0, nc = j * 512, min(512, cols - j * 512)
            ta = nl.ndarray((P, 512), a.dtype, buffer=nl.sbuf)
            tb = nl.ndarray((P, 512), b.dtype, buffer=nl.sbuf)
            nisa.dma_copy(dst=ta[0:nr, 0:nc], src=a[r0:r0 + nr, c0:c0 + nc])
            nisa.dma_copy(dst=tb[0:nr, 0:nc], src=b[nl.ds(r0, nr), nl.ds(c0, nc)])
            tc = nl.ndarray((P, 512), a.dtype, buffer=nl.sbuf)
            nisa.tensor_tensor(dst=tc[0:nr, 0:nc], data1=ta[0:nr, 0:nc], data2=tb[0:nr, 0:nc], op=nl.add)
            nisa.dma_copy(dst=out[r0:r0 + nr, c0:c0 + nc], src=tc[0:nr, 0:nc])
    return out


@nki.jit
def row_softmax(x):
    """softmax along each row: max with tensor_reduce, exp and row sum in one activation."""
    rows, cols = x.shape
    out = nl.ndarray(x.shape, nl.float32, buffer=nl.shared_hbm)
    for i in nl.affine_range((rows + P - 1) // P):
        r0, nr = i * P, min(P, rows - i * P)
        t = nl.ndarray((P, cols), nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=t[0:nr], src=x[r0:r0 + nr])
        neg_max = nl.ndarray((P, 1), nl.float32, buffer=nl.sbuf)
        nisa.tensor_reduce(dst=neg_max[0:nr], op=nl.max, data=t[0:nr], axis=1, negate=True)
        e = nl.ndarray((P, cols), nl.float32, buffer=nl.sbuf)
        total = nl.ndarray((P, 1), nl.float32, buffer=nl.sbuf)
        nisa.activation(dst=e[0:nr], op=nl.exp, data=t[0:nr], bias=neg_max[0:nr],
                        reduce_op=nl.add, reduce_res=total[0:nr], reduce_cmd=nisa.reduce_cmd.reset_reduce)
        inv = nl.ndarray((P, 1), nl.float32, buffer=nl.sbuf)
        nisa.activation(dst=inv[0:nr], op=nl.reciprocal, data=total[0:nr])
        y = nl.ndarray((P, cols), nl.float32, buffer=nl.sbuf)
        nisa.tensor_scalar(dst=y[0:nr], data=e[0:nr], op0=nl.multiply, operand0=inv[0:nr])
        nisa.dma_copy(dst=out[r0:r0 + nr], src=y[0:nr])
    return out


@nki.jit
def matmul(lhs_t, rhs):
    """lhs_t.T @ rhs: K tiled by 128 and accumulated in one PSUM tile, then copied out."""
    k, m = lhs_t.shape
    _, n = rhs.shape
    out = nl.ndarray((m, n), nl.float32, buffer=nl.shared_hbm)
    acc = nl.ndarray((m, n), nl.float32, buffer=nl.psum)
    for kt in nl.affine_range(k // P):
        s = nl.ndarray((P, m), lhs_t.dtype, buffer=nl.sbuf)
        mv = nl.ndarray((P, n), rhs.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=s, src=lhs_t[kt * P:(kt + 1) * P, :])
        nisa.dma_copy(dst=mv, src=rhs[kt * P:(kt + 1) * P, :])
        nisa.nc_matmul(dst=acc, stationary=s, moving=mv)
    res = nl.ndarray((m, n), nl.float32, buffer=nl.sbuf)
    nisa.tensor_copy(dst=res, src=acc)
    nisa.dma_copy(dst=out, src=res)
    return out


@nki.jit
def row_sum(x):
    """Sum of each row, over free-axis chunks of 512 (the last one ragged)."""
    rows, cols = x.shape
    out = nl.ndarray((rows, 1), nl.float32, buffer=nl.shared_hbm)
    for i in nl.affine_range((rows + P - 1) // P):
        r0, nr = i * P, min(P, rows - i * P)
        total = nl.ndarray((P, 1), nl.float32, buffer=nl.sbuf)
        nisa.memset(dst=total, value=0.0)
        for j in nl.sequential_range((cols + 511) // 512):
            c0, nc = j * 512, min(512, cols - j * 512)
            t = nl.ndarray((P, 512), x.dtype, buffer=nl.sbuf)
            nisa.dma_copy(dst=t[0:nr, 0:nc], src=x[r0:r0 + nr, c0:c0 + nc])
            part = nl.ndarray((P, 1), nl.float32, buffer=nl.sbuf)
            nisa.tensor_reduce(dst=part[0:nr], op=nl.add, data=t[0:nr, 0:nc], axis=[1])
            nisa.tensor_tensor(dst=total[0:nr], data1=total[0:nr], data2=part[0:nr], op=nl.add)
        nisa.dma_copy(dst=out[r0:r0 + nr], src=total[0:nr])
    return out
