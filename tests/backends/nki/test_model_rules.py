"""Every rule porter's NKI model enforces, broken on purpose: the error names the rule."""

import numpy as np
import pytest

from porter.backends.nki.model import RULES, NkiModelError, hbm_input, run_kernel
from porter.backends.nki.model import isa as nisa
from porter.backends.nki.model import language as nl


def sb(shape=(4, 8), dtype=nl.float32, buffer=nl.sbuf):
    t = nl.ndarray(shape, dtype, buffer=buffer)
    nisa.memset(dst=t, value=1)
    return t


def ps(shape=(4, 8), dtype=nl.float32):
    return sb(shape, dtype, nl.psum)


def hbm(shape=(4, 8)):
    return hbm_input(np.ones(shape, np.float32))


def _kernel_returning_sbuf():
    return run_kernel(lambda: sb())


def _uninitialized_read():
    def kernel(x):
        t = nl.ndarray((4, 8), nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=t[0:2], src=x[0:2])  # rows 2-3 never written
        o = nl.ndarray((4, 8), nl.float32, buffer=nl.shared_hbm)
        nisa.dma_copy(dst=o, src=t)
        return o
    return run_kernel(kernel, np.ones((4, 8), np.float32), check_uninitialized=True)


def _int_divide():
    three, two = sb(dtype=nl.int32), sb(dtype=nl.int32)
    nisa.memset(dst=three, value=3)
    nisa.memset(dst=two, value=2)
    nisa.tensor_tensor(dst=sb(dtype=nl.int32), data1=three, data2=two, op=nl.divide)  # 1.5


def _assign():
    t = sb()
    t[0:1] = 3.0


CASES = [
    ("partition-dim-max", lambda: nl.ndarray((129, 4), nl.float32, buffer=nl.sbuf)),
    ("partition-dim-max", lambda: nl.ndarray((256, 4), nl.float32, buffer=nl.psum)),
    ("on-chip-rank", lambda: nl.ndarray((128,), nl.float32, buffer=nl.sbuf)),
    ("dst-required", lambda: nisa.tensor_tensor(data1=sb(), data2=sb(), op=nl.add)),
    ("dst-required", lambda: nisa.activation(op=nl.exp, data=sb())),
    ("dst-required", lambda: nisa.dma_copy(dst=np.zeros((4, 8)), src=hbm())),
    ("dst-buffer", lambda: nisa.nc_matmul(dst=sb((8, 8)), stationary=sb(), moving=sb())),
    ("dst-buffer", lambda: nisa.iota(dst=ps(dtype=nl.int32), pattern=[[1, 8]])),
    ("dst-buffer", lambda: nisa.tensor_tensor(dst=hbm(), data1=sb(), data2=sb(), op=nl.add)),
    ("dst-buffer", lambda: nisa.dma_copy(dst=ps(), src=hbm())),
    ("operand-buffer", lambda: nisa.tensor_tensor(dst=sb(), data1=hbm(), data2=sb(), op=nl.add)),
    ("operand-buffer", lambda: nisa.nc_matmul(dst=ps((8, 8)), stationary=ps(), moving=sb())),
    ("operand-buffer", lambda: nisa.dma_copy(dst=sb(), src=ps())),
    ("operand-buffer", lambda: nisa.activation(dst=sb(), op=nl.exp, data=hbm())),
    ("operand-buffer", lambda: nisa.tensor_reduce(dst=sb((4, 1)), op=nl.add, data=hbm(), axis=1)),
    ("operand-buffer", lambda: nisa.tensor_tensor(dst=ps(), data1=sb(), data2=sb(), op=nl.power)),
    ("operand-buffer", lambda: nisa.tensor_scalar(dst=sb(), data=sb(), op0=nl.add, operand0=hbm((4, 1)))),
    ("both-psum", lambda: nisa.tensor_tensor(dst=sb(), data1=ps(), data2=ps(), op=nl.add)),
    ("shape-mismatch", lambda: nisa.tensor_tensor(dst=sb(), data1=sb(), data2=sb((3, 8)), op=nl.add)),
    ("shape-mismatch", lambda: nisa.tensor_tensor(dst=sb((4, 9)), data1=sb(), data2=sb(), op=nl.add)),
    ("shape-mismatch", lambda: nisa.dma_copy(dst=sb((4, 7)), src=hbm())),
    ("shape-mismatch", lambda: nisa.tensor_copy(dst=sb((8, 4)), src=sb())),
    ("shape-mismatch", lambda: nisa.tensor_reduce(dst=sb((4, 2)), op=nl.add, data=sb(), axis=1)),
    ("shape-mismatch", lambda: nisa.iota(dst=sb(dtype=nl.int32), pattern=[[1, 7]])),
    ("shape-mismatch", lambda: nisa.activation(dst=sb((4, 4)), op=nl.exp, data=sb())),
    ("scalar-operand-shape", lambda: nisa.tensor_scalar(dst=sb(), data=sb(), op0=nl.add, operand0=sb((4, 2)))),
    ("scalar-operand-shape", lambda: nisa.activation(dst=sb(), op=nl.exp, data=sb(), bias=sb((3, 1)))),
    ("scalar-operand-shape", lambda: nisa.activation(dst=sb(), op=nl.exp, data=sb(), reduce_res=sb())),
    ("operand-dtype", lambda: nisa.tensor_scalar(dst=sb(), data=sb(), op0=nl.add, operand0=sb((4, 1), nl.int32))),
    ("operand-dtype", lambda: nisa.activation(dst=sb(), op=nl.exp, data=sb(), scale=sb((4, 1), nl.bfloat16))),
    ("operand-dtype", lambda: nisa.activation(dst=sb(), op=nl.exp, data=sb(), bias=sb((4, 1), nl.tfloat32))),
    ("bitvec-integer", lambda: nisa.tensor_tensor(dst=sb(), data1=sb(), data2=sb(), op=nl.bitwise_and)),
    ("bitvec-integer", lambda: nisa.tensor_reduce(dst=sb((4, 1)), op=nl.bitwise_or, data=sb(), axis=1)),
    ("op-kind-mix", lambda: nisa.tensor_scalar(dst=sb(), data=sb(), op0=nl.add, operand0=1.0,
                                               op1=nl.bitwise_and, operand1=1)),
    ("unknown-op", lambda: nisa.tensor_tensor(dst=sb(), data1=sb(), data2=sb(), op=nl.exp)),
    ("unknown-op", lambda: nisa.tensor_tensor(dst=sb(), data1=sb(), data2=sb(), op=np.add)),
    ("unknown-op", lambda: nisa.activation(dst=sb(), op=nl.add, data=sb())),
    ("unknown-op", lambda: nisa.tensor_reduce(dst=sb((4, 1)), op=nl.subtract, data=sb(), axis=1)),
    ("reduce-axis", lambda: nisa.tensor_reduce(dst=sb((1, 8)), op=nl.add, data=sb(), axis=0)),
    ("reduce-axis", lambda: nisa.tensor_reduce(dst=sb((4, 5)), op=nl.add, data=sb((4, 3, 5)), axis=1)),
    ("reduce-axis", lambda: nisa.tensor_reduce(dst=sb((4, 1)), op=nl.add, data=sb(), axis=[])),
    ("activation-reduce-op", lambda: nisa.activation(dst=sb(), op=nl.exp, data=sb(), reduce_op=nl.max,
                                                     reduce_cmd=nisa.reduce_cmd.reset_reduce)),
    ("matmul-stationary-free-max", lambda: nisa.nc_matmul(dst=ps((128, 8)), stationary=sb((128, 129)),
                                                          moving=sb((128, 8)))),
    ("matmul-moving-free-max", lambda: nisa.nc_matmul(dst=ps((8, 512)), stationary=sb((128, 8)),
                                                      moving=sb((128, 513)))),
    ("matmul-shape", lambda: nisa.nc_matmul(dst=ps((8, 8)), stationary=sb((4, 8)), moving=sb((5, 8)))),
    ("matmul-shape", lambda: nisa.nc_matmul(dst=ps((8, 4)), stationary=sb((4, 8)), moving=sb((4, 8)))),
    ("matmul-shape", lambda: nisa.nc_matmul(dst=ps((8, 8)), stationary=sb((4, 8)), moving=sb((4, 2, 4)))),
    ("matmul-dtype", lambda: nisa.nc_matmul(dst=ps((8, 8)), stationary=sb(dtype=nl.int32), moving=sb())),
    ("matmul-dtype", lambda: nisa.nc_matmul(dst=ps((8, 8)), stationary=sb(), moving=sb(dtype=nl.bfloat16))),
    ("matmul-dtype", lambda: nisa.nc_matmul(dst=ps((8, 8), nl.bfloat16), stationary=sb(), moving=sb())),
    ("index-out-of-bounds", lambda: hbm((200, 8))[0:201]),
    ("index-out-of-bounds", lambda: sb()[:, 4:9]),
    ("index-out-of-bounds", lambda: sb()[-1]),
    ("index-out-of-bounds", lambda: sb()[0, 0, 0]),
    ("index-out-of-bounds", lambda: sb()[:, 5:5]),
    ("index-out-of-bounds", lambda: sb()[nl.ds(2, 3)]),
    ("reshape", lambda: hbm().reshape((5, 6))),
    ("reshape", lambda: sb().reshape((8, 4))),
    ("reshape", lambda: hbm((4, 8))[:, 0:4].reshape((16,))),
    ("kernel-output-hbm", _kernel_returning_sbuf),
    ("uninitialized-read", _uninitialized_read),
    ("compile-time-constant", lambda: list(nl.affine_range(sb()))),
    ("compile-time-constant", lambda: nisa.memset(dst=sb(), value=sb((4, 1)))),
    ("compile-time-constant", lambda: nl.ds(0.5, 2)),
    ("compile-time-constant", lambda: nisa.iota(dst=sb(dtype=nl.int32), pattern=[[1, 8]], offset=1.5)),
    ("compile-time-constant", lambda: nl.ndarray((4.0, 8), nl.float32)),
    ("predicate-dtype", lambda: nisa.tensor_copy_predicated(dst=sb(), src=sb(), predicate=sb())),
    ("predicate-dtype", lambda: nisa.tensor_copy_predicated(dst=sb(), src=1.0, predicate=sb(dtype=nl.int32))),
    ("copy-dtype", lambda: nisa.tensor_copy_predicated(dst=sb(), src=sb(dtype=nl.bfloat16),
                                                       predicate=sb(dtype=nl.uint8))),
    ("copy-dtype", lambda: nisa.tensor_copy_predicated(dst=sb(dtype=nl.int32), src=1.5,
                                                       predicate=sb(dtype=nl.uint8))),
    ("copy-dtype", lambda: nisa.tensor_copy_predicated(dst=sb(), src=sb(), predicate=sb(dtype=nl.uint8),
                                                       reverse_pred=True)),
    ("both-psum", lambda: nisa.tensor_copy_predicated(dst=sb(), src=ps(), predicate=ps(dtype=nl.uint8))),
    ("shape-mismatch", lambda: nisa.tensor_copy_predicated(dst=sb(), src=sb(), predicate=sb((4, 4), nl.uint8))),
    ("bitvec-integer", lambda: nisa.tensor_scalar(dst=sb(), data=sb(), op0=nl.right_shift, operand0=1)),
    ("operand-buffer", lambda: nisa.tensor_tensor(dst=sb(dtype=nl.int32), data1=ps(dtype=nl.int32),
                                                  data2=sb(dtype=nl.int32), op=nl.add, engine=nisa.engine.gpsimd)),
    ("undocumented-conversion", lambda: nisa.tensor_scalar(dst=sb(dtype=nl.int32), data=sb(), op0=nl.multiply,
                                                           operand0=0.5)),
    ("undocumented-conversion", _int_divide),
    ("undocumented-conversion", lambda: nisa.activation(dst=sb(dtype=nl.uint8), op=nl.exp, data=sb())),
    ("undocumented-conversion", lambda: nisa.memset(dst=sb(dtype=nl.uint8), value=256)),
    ("model-unsupported", lambda: nl.ndarray((4, 8), nl.float8_e4m3)),
    ("model-unsupported", lambda: nl.ndarray((4, 8), np.float64)),
    ("model-unsupported", _assign),
    ("model-unsupported", lambda: nl.add(sb(), sb())),
    ("model-unsupported", lambda: nisa.dma_copy(dst=sb(), src=hbm(), dst_rmw_op=nl.add)),
    ("model-unsupported", lambda: np.asarray(sb())),
    ("model-unsupported", lambda: nl.ndarray((4, 8), nl.float32, buffer="sbuf")),
]


@pytest.mark.parametrize("rule,breaks", CASES, ids=[f"{r}-{i}" for i, (r, _) in enumerate(CASES)])
def test_breaking_a_rule_names_it(rule, breaks):
    with pytest.raises(NkiModelError) as caught:
        breaks()
    assert caught.value.rule == rule
    assert f"[{rule}]" in str(caught.value)
    assert RULES[rule] in str(caught.value) and "porter's NKI model" in str(caught.value)


def test_every_rule_has_a_breaking_case():
    assert {rule for rule, _ in CASES} == set(RULES)


def test_unknown_rule_is_an_internal_error():
    with pytest.raises(KeyError, match="internal error in porter"):
        NkiModelError("no-such-rule", "x")


def test_limits_themselves_are_accepted():
    nl.ndarray((128, 4), nl.float32, buffer=nl.sbuf)
    nisa.nc_matmul(dst=ps((128, 512)), stationary=sb((128, 128)), moving=sb((128, 512)))
    nisa.tensor_tensor(dst=ps(), data1=ps(), data2=sb(), op=nl.add)
    hbm((200, 8))[0:200]
