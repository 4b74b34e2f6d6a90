"""Every instruction and helper of porter's NKI model against numpy written here, independently."""

import numpy as np
import pytest

from porter.backends.nki.model import hbm_input, run_kernel
from porter.backends.nki.model import isa as nisa
from porter.backends.nki.model.errors import NkiModelError
from porter.backends.nki.model import language as nl
from porter.backends.nki.model.tensor import from_numpy, to_numpy

RNG = np.random.default_rng(3)


def sb(array, dtype=None, buffer=nl.sbuf):
    return from_numpy(np.asarray(array), dtype, buffer=buffer)


def out(shape, dtype=nl.float32, buffer=nl.sbuf):
    return nl.ndarray(shape, dtype, buffer=buffer)


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def bf16_reference(x):
    """Round float32 to bfloat16 (nearest even), written apart from the model's rounding."""
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.int64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16 << 16
    return u.astype(np.uint32).view(np.float32)


# ----------------------------------------------------------------------------- allocation, views


def test_new_float_tiles_are_nan_and_integer_tiles_poison():
    assert np.isnan(to_numpy(out((4, 3)))).all()
    raw = to_numpy(out((2, 2), nl.int32)).view(np.uint8).reshape(-1)
    assert list(raw[:4]) == [0xDE, 0xAD, 0xBE, 0xEF]
    assert list(to_numpy(out((2, 3), nl.uint8)).reshape(-1)) == [0xDE, 0xAD, 0xBE, 0xEF, 0xDE, 0xAD]


def test_slices_are_views_sharing_storage():
    t = sb(np.zeros((8, 6), np.float32))
    nisa.memset(dst=t[2:4, nl.ds(1, 3)], value=5.0)
    expected = np.zeros((8, 6), np.float32)
    expected[2:4, 1:4] = 5
    np.testing.assert_array_equal(to_numpy(t), expected)


def test_integer_index_keeps_partition_axis_on_chip_but_not_in_hbm():
    tile = out((8, 6))
    assert tile[3].shape == (1, 6) and tile[3, 2:5].shape == (1, 3) and tile[..., 0].shape == (8,)
    assert hbm_input(np.zeros((4, 5, 6), np.float32))[1].shape == (5, 6)
    assert tile[0:8:2, 1:].shape == (4, 5)


def test_reshape_views_same_storage():
    h = hbm_input(np.arange(24, dtype=np.float32).reshape(4, 6))
    np.testing.assert_array_equal(to_numpy(h.reshape((2, 12))), np.arange(24).reshape(2, 12))
    assert out((8, 4, 6)).reshape((8, 24)).shape == (8, 24)


@pytest.mark.parametrize("name", ["float32", "bfloat16", "float16", "int32", "uint8", "bool_"])
def test_dtype_names_and_numpy_dtypes(name):
    assert nl.ndarray((2, 2), getattr(nl, name)).dtype.name == name
    assert nl.ndarray((2, 2), np.float16).dtype.name == "float16"


def test_bfloat16_rounds_to_nearest_even():
    x = np.array([1 + 2**-8, 1 + 3 * 2**-8, -(1 + 2**-8 + 2**-12), 3.14159, 1e30], np.float32)
    got = to_numpy(hbm_input(x, nl.bfloat16))
    assert got[0] == 1.0 and got[1] == 1 + 2**-6 and got[2] == -(1 + 2**-7)
    np.testing.assert_array_equal(got, bf16_reference(x))


def test_tfloat32_keeps_ten_mantissa_bits():
    x = np.array([1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-10], np.float32)
    np.testing.assert_array_equal(to_numpy(hbm_input(x, nl.tfloat32)), [1.0, 1 + 2**-9, 1 + 2**-10])


# ----------------------------------------------------------------------------- data movement


def test_dma_copy_hbm_to_sbuf_and_back_with_reshape():
    x = rand(4, 6)
    t = out((2, 12))
    nisa.dma_copy(dst=t, src=hbm_input(x))
    back = nl.ndarray((4, 6), nl.float32, buffer=nl.shared_hbm)
    nisa.dma_copy(dst=back, src=t)
    np.testing.assert_array_equal(to_numpy(t), x.reshape(2, 12))
    np.testing.assert_array_equal(to_numpy(back), x)


def test_dma_copy_casts_through_float32_and_copies_same_dtype_exactly():
    x = rand(3, 5) * 100
    t = out((3, 5), nl.bfloat16)
    nisa.dma_copy(dst=t, src=hbm_input(x))
    np.testing.assert_array_equal(to_numpy(t), bf16_reference(x))
    big = np.array([[2**24 + 1, -(2**31)]], np.int32)
    ti = out((1, 2), nl.int32)
    nisa.dma_copy(dst=ti, src=hbm_input(big))
    np.testing.assert_array_equal(to_numpy(ti), big)


def test_tensor_copy_psum_to_sbuf_and_float_to_int_conversion():
    whole = np.array([[2.0, -3.0, 0.0, 2.0**24, -(2.0**31), 2.0**30]], np.float32)
    dst = out((1, 6), nl.int32)
    nisa.tensor_copy(dst=dst, src=sb(whole, buffer=nl.psum))
    np.testing.assert_array_equal(to_numpy(dst), whole.astype(np.int64))
    for bad in (2.5, -1.5, 1e10, -1e10, 2.0**31, np.nan, np.inf):  # rounding/saturation undocumented
        src = sb(np.array([[1.0, bad]], np.float32), buffer=nl.psum)
        with pytest.raises(NkiModelError, match="undocumented conversion"):
            nisa.tensor_copy(dst=out((1, 2), nl.int32), src=src)
    f = out((2, 3))
    x = rand(2, 3)
    nisa.tensor_copy(dst=f, src=sb(x, buffer=nl.psum))
    np.testing.assert_array_equal(to_numpy(f), x)


def test_memset_float_and_int():
    f, i = out((4, 3), buffer=nl.psum), out((4, 3), nl.int32)
    nisa.memset(dst=f, value=-0.5)
    nisa.memset(dst=i, value=7)
    np.testing.assert_array_equal(to_numpy(f), np.full((4, 3), -0.5))
    np.testing.assert_array_equal(to_numpy(i), np.full((4, 3), 7))


def test_iota_one_and_two_level_patterns():
    t = out((5, 8), nl.int32)
    nisa.iota(dst=t, pattern=[[1, 8]], offset=3, channel_multiplier=10)
    np.testing.assert_array_equal(to_numpy(t), 3 + 10 * np.arange(5)[:, None] + np.arange(8)[None, :])
    f = out((3, 2, 4))
    nisa.iota(dst=f, pattern=[[-4, 2], [2, 4]], offset=0, channel_multiplier=1)
    p, w, x = np.meshgrid(np.arange(3), np.arange(2), np.arange(4), indexing="ij")
    np.testing.assert_array_equal(to_numpy(f), p - 4 * w + 2 * x)


# ----------------------------------------------------------------------------- Tensor Engine


@pytest.mark.parametrize("k,m,n", [(128, 128, 512), (7, 3, 5), (64, 1, 33)])
def test_nc_matmul_is_stationary_transposed_times_moving(k, m, n):
    s, mv = rand(k, m), rand(k, n)
    acc = out((m, n), buffer=nl.psum)
    nisa.nc_matmul(dst=acc, stationary=sb(s), moving=sb(mv))
    np.testing.assert_allclose(to_numpy(acc), s.T.astype(np.float64) @ mv, rtol=1e-5, atol=1e-5)


def test_nc_matmul_bfloat16_inputs_accumulate_in_float32():
    s, mv = rand(16, 4), rand(16, 8)
    acc = out((4, 8), buffer=nl.psum)
    nisa.nc_matmul(dst=acc, stationary=sb(s, nl.bfloat16), moving=sb(mv, nl.bfloat16))
    ref = bf16_reference(s).T.astype(np.float64) @ bf16_reference(mv)
    np.testing.assert_allclose(to_numpy(acc), ref, rtol=1e-5, atol=1e-5)


def test_nc_matmul_accumulate_modes():
    s1, m1, s2, m2 = rand(8, 2), rand(8, 3), rand(8, 2), rand(8, 3)
    first, second = s1.T @ m1, s2.T @ m2
    acc = out((2, 3), buffer=nl.psum)
    nisa.nc_matmul(dst=acc, stationary=sb(s1), moving=sb(m1))  # first write: overwrite (NaN gone)
    nisa.nc_matmul(dst=acc, stationary=sb(s2), moving=sb(m2))  # already written: accumulate
    np.testing.assert_allclose(to_numpy(acc), first + second, rtol=1e-5, atol=1e-6)
    nisa.nc_matmul(dst=acc, stationary=sb(s2), moving=sb(m2), accumulate=False)
    np.testing.assert_allclose(to_numpy(acc), second, rtol=1e-5, atol=1e-6)
    nisa.nc_matmul(dst=acc, stationary=sb(s1), moving=sb(m1), accumulate=True)
    np.testing.assert_allclose(to_numpy(acc), first + second, rtol=1e-5, atol=1e-6)
    part = out((2, 3), buffer=nl.psum)
    nisa.nc_matmul(dst=part[:, 0:2], stationary=sb(s1), moving=sb(m1[:, 0:2]))
    nisa.nc_matmul(dst=part, stationary=sb(s1), moving=sb(m1))  # columns 0-1 accumulate, 2 overwrites
    np.testing.assert_allclose(to_numpy(part), first * [2, 2, 1], rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- Vector Engine

ARITH = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
         "maximum": np.maximum, "minimum": np.minimum}


@pytest.mark.parametrize("name", sorted(ARITH))
def test_tensor_tensor_arithmetic(name):
    a, b = rand(6, 10), rand(6, 10) + 3
    dst = out((6, 10))
    nisa.tensor_tensor(dst=dst, data1=sb(a), data2=sb(b, buffer=nl.psum), op=getattr(nl, name))
    np.testing.assert_allclose(to_numpy(dst), ARITH[name](a, b), rtol=1e-6)


def test_tensor_tensor_power_and_mixed_shapes_and_dtype_cast():
    a, b = np.abs(rand(4, 32)) + 0.5, rand(4, 32)
    dst = out((4, 32))
    nisa.tensor_tensor(dst=dst, data1=sb(a), data2=sb(b), op=nl.power)
    np.testing.assert_allclose(to_numpy(dst), a.astype(np.float64) ** b, rtol=1e-5)
    shaped = out((4, 4, 8), nl.bfloat16)
    nisa.tensor_tensor(dst=shaped, data1=sb(a.reshape(4, 4, 8)), data2=sb(b), op=nl.add)
    np.testing.assert_array_equal(to_numpy(shaped), bf16_reference(a + b).reshape(4, 4, 8))


def test_tensor_tensor_int32_is_exact_and_bitvec_uses_bit_patterns():
    a = np.array([[2**30 + 1, -7, 2**31 - 1]], np.int32)
    b = np.array([[3, 2, 1]], np.int32)
    dst = out((1, 3), nl.int32)
    nisa.tensor_tensor(dst=dst, data1=sb(a), data2=sb(b), op=nl.add)
    np.testing.assert_array_equal(to_numpy(dst), [[2**30 + 4, -5, -(2**31)]])  # wraps
    for name, fn in (("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or),
                     ("bitwise_xor", np.bitwise_xor)):
        nisa.tensor_tensor(dst=dst, data1=sb(a), data2=sb(b), op=getattr(nl, name))
        np.testing.assert_array_equal(to_numpy(dst), fn(a, b))


# Integer tiles and arithmetic operators: NKI converts the inputs to float32 (nki.api.shared,
# "Supported Math Operators"), so int32 values past 2**24 round; the one documented exception is
# tensor_tensor on all-int32/uint32 tiles, which runs on GpSimd Engine in native integers.
BIG = 2**24 + 1  # the smallest positive int32 float32 cannot hold


def f32_roundtrip(values):
    """int -> float32 (numpy's IEEE conversion, nearest even) -> int, written apart from the model."""
    return np.asarray(values, np.int64).astype(np.float32).astype(np.int64)


def int_tile(values, dtype=nl.int32, buffer=nl.sbuf):
    return sb(np.asarray(values, {"int32": np.int32, "uint32": np.uint32, "int16": np.int16}[dtype]),
              buffer=buffer)


def test_int32_plus_zero_goes_through_float32_in_tensor_scalar():
    data = np.array([[BIG, -BIG, 2**31 - 128, 7]], np.int64)
    dst = out((1, 4), nl.int32)
    nisa.tensor_scalar(dst=dst, data=int_tile(data), op0=nl.add, operand0=0)
    assert to_numpy(dst)[0, 0] == 2**24  # 2**24 + 1 added to 0 comes back as 2**24
    np.testing.assert_array_equal(to_numpy(dst), f32_roundtrip(data))
    nisa.tensor_scalar(dst=dst, data=int_tile(data), op0=nl.maximum, operand0=0, op1=nl.multiply, operand1=1)
    np.testing.assert_array_equal(to_numpy(dst), np.maximum(f32_roundtrip(data), 0))
    nisa.tensor_scalar(dst=dst, data=int_tile(data), op0=nl.bitwise_or, operand0=0)  # bitvec: exact
    np.testing.assert_array_equal(to_numpy(dst), data)


def test_tensor_tensor_int32_native_only_on_gpsimd():
    a, z = np.array([[BIG, 2**30 + 3, -BIG]], np.int64), np.zeros((1, 3), np.int64)
    dst = out((1, 3), nl.int32)
    for engine in (None, nisa.engine.unknown, nisa.engine.gpsimd):  # default dispatch: GpSimd
        nisa.tensor_tensor(dst=dst, data1=int_tile(a), data2=int_tile(z), op=nl.add, engine=engine)
        np.testing.assert_array_equal(to_numpy(dst), a)
    nisa.tensor_tensor(dst=dst, data1=int_tile(a), data2=int_tile(z), op=nl.add, engine=nisa.engine.vector)
    np.testing.assert_array_equal(to_numpy(dst), f32_roundtrip(a))
    # a PSUM tile: GpSimd cannot access PSUM, so the default dispatch is Vector Engine (float32)
    nisa.tensor_tensor(dst=dst, data1=int_tile(a, buffer=nl.psum), data2=int_tile(z), op=nl.add)
    np.testing.assert_array_equal(to_numpy(dst), f32_roundtrip(a))
    # not all tiles (u)int32: float32
    nisa.tensor_tensor(dst=dst, data1=int_tile(a), data2=int_tile(z, nl.int16), op=nl.add)
    np.testing.assert_array_equal(to_numpy(dst), f32_roundtrip(a))


def test_int32_comparisons_are_float32_unless_native():
    a, b = np.array([[BIG, 5, -BIG]], np.int64), np.array([[2**24, 5, -(2**24)]], np.int64)
    mask = out((1, 3), nl.uint8)  # a uint8 dst: not all tiles int32, so float32 inputs
    nisa.tensor_tensor(dst=mask, data1=int_tile(a), data2=int_tile(b), op=nl.equal)
    np.testing.assert_array_equal(to_numpy(mask), (f32_roundtrip(a) == f32_roundtrip(b)).astype(np.uint8))
    assert to_numpy(mask).tolist() == [[1, 1, 1]]  # 2**24 + 1 "equals" 2**24 through float32
    exact = out((1, 3), nl.int32)
    nisa.tensor_tensor(dst=exact, data1=int_tile(a), data2=int_tile(b), op=nl.equal)
    np.testing.assert_array_equal(to_numpy(exact), (a == b).astype(np.int32))
    nisa.tensor_scalar(dst=mask, data=int_tile(a), op0=nl.greater, operand0=2**24)
    np.testing.assert_array_equal(to_numpy(mask), (f32_roundtrip(a) > 2**24).astype(np.uint8))


def test_int32_reduce_and_activation_go_through_float32():
    data = np.array([[BIG, 2], [3, 4]], np.int64)
    dst = out((2, 1), nl.int32)
    nisa.tensor_reduce(dst=dst, op=nl.add, data=int_tile(data), axis=1)
    np.testing.assert_array_equal(to_numpy(dst)[:, 0], f32_roundtrip(data).sum(axis=1))
    assert to_numpy(dst)[0, 0] == 2**24 + 2  # exact would be 2**24 + 3
    copy = out((2, 2), nl.int32)
    nisa.activation(dst=copy, op=nl.copy, data=int_tile(data))
    np.testing.assert_array_equal(to_numpy(copy), f32_roundtrip(data))


def test_float_results_written_to_int_tiles_must_be_integers_in_range():
    dst = out((1, 2), nl.int32)
    nisa.tensor_scalar(dst=dst, data=int_tile([[7, -9]]), op0=nl.multiply, operand0=0.5, op1=nl.add, operand1=1.5)
    np.testing.assert_array_equal(to_numpy(dst), [[5, -3]])  # 3.5 + 1.5 and -4.5 + 1.5: integers
    with pytest.raises(NkiModelError, match="undocumented conversion"):
        nisa.tensor_scalar(dst=dst, data=int_tile([[7, 1]]), op0=nl.multiply, operand0=0.5)
    with pytest.raises(NkiModelError, match="undocumented conversion"):  # 2**31 does not fit int32
        nisa.tensor_tensor(dst=dst, data1=int_tile([[2**30, 0]]), data2=int_tile([[2**30, 0]]), op=nl.add,
                           engine=nisa.engine.vector)


def test_tensor_scalar_scalar_vector_reverse_and_two_ops():
    x, v = rand(5, 7), rand(5, 1)
    dst = out((5, 7))
    nisa.tensor_scalar(dst=dst, data=sb(x), op0=nl.multiply, operand0=2.5)
    np.testing.assert_allclose(to_numpy(dst), x * 2.5, rtol=1e-6)
    nisa.tensor_scalar(dst=dst, data=sb(x), op0=nl.subtract, operand0=sb(v), reverse0=True)
    np.testing.assert_allclose(to_numpy(dst), v - x, rtol=1e-6)
    nisa.tensor_scalar(dst=dst, data=sb(x, buffer=nl.psum), op0=nl.add, operand0=sb(v),
                       op1=nl.divide, operand1=4.0, reverse1=True)
    np.testing.assert_allclose(to_numpy(dst), 4.0 / (x + v), rtol=1e-5)
    i = np.array([[12, 7], [5, 3]], np.int32)
    di = out((2, 2), nl.int32)
    nisa.tensor_scalar(dst=di, data=sb(i), op0=nl.bitwise_and, operand0=6, op1=nl.bitwise_or, operand1=1)
    np.testing.assert_array_equal(to_numpy(di), (i & 6) | 1)


@pytest.mark.parametrize("name,fn", [("add", np.sum), ("maximum", np.max), ("minimum", np.min),
                                     ("multiply", np.prod)])
def test_tensor_reduce_free_axis(name, fn):
    x = rand(9, 12)
    dst = out((9, 1))
    nisa.tensor_reduce(dst=dst, op=getattr(nl, name), data=sb(x), axis=1)
    np.testing.assert_allclose(to_numpy(dst)[:, 0], fn(x.astype(np.float64), axis=1), rtol=1e-5)


def test_tensor_reduce_trailing_axes_keepdims_negate_and_bitvec():
    x = rand(4, 3, 5)
    d2 = out((4, 3))
    nisa.tensor_reduce(dst=d2, op=nl.max, data=sb(x), axis=(2,), negate=True)
    np.testing.assert_array_equal(to_numpy(d2), -x.max(axis=2))
    d1 = out((4, 1, 1))
    nisa.tensor_reduce(dst=d1, op=nl.add, data=sb(x), axis=[1, 2], keepdims=True)
    np.testing.assert_allclose(to_numpy(d1)[:, 0, 0], x.astype(np.float64).sum(axis=(1, 2)), rtol=1e-5)
    i = np.array([[1, 2, 8], [4, 4, 16]], np.int32)
    di = out((2, 1), nl.int32)
    nisa.tensor_reduce(dst=di, op=nl.bitwise_or, data=sb(i), axis=1)
    np.testing.assert_array_equal(to_numpy(di)[:, 0], [11, 20])


# ----------------------------------------------------------------------------- Scalar Engine

ACT = {"copy": lambda x: x, "exp": np.exp, "tanh": np.tanh, "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
       "relu": lambda x: np.where(x > 0, x, 0), "silu": lambda x: x / (1 + np.exp(-x)),
       "square": lambda x: x * x, "abs": np.abs, "sin": np.sin, "cos": np.cos}
POSITIVE = {"log": np.log, "sqrt": np.sqrt, "rsqrt": lambda x: x**-0.5, "reciprocal": lambda x: 1 / x}


@pytest.mark.parametrize("name", sorted(ACT) + sorted(POSITIVE))
def test_activation_functions_with_scale_and_bias(name):
    x, bias = rand(6, 9), rand(6, 1) * 0.1
    if name in POSITIVE:
        x, bias = np.abs(x) + 0.5, np.abs(bias)
    fn = {**ACT, **POSITIVE}[name]
    dst = out((6, 9))
    nisa.activation(dst=dst, op=getattr(nl, name), data=sb(x), bias=sb(bias), scale=1.5)
    expected = fn(x.astype(np.float64) * 1.5 + bias)
    np.testing.assert_allclose(to_numpy(dst), expected, rtol=1e-5, atol=1e-6)


def test_activation_vector_scale_scalar_bias_and_psum_in():
    x, s = rand(4, 5), rand(4, 1)
    dst = out((4, 5), buffer=nl.psum)
    nisa.activation(dst=dst, op=nl.copy, data=sb(x, buffer=nl.psum), scale=sb(s), bias=0.25)
    np.testing.assert_allclose(to_numpy(dst), x * s + 0.25, rtol=1e-6)


def test_activation_reduce_registers_reset_accumulate_and_read_out():
    x, y = rand(3, 4), rand(3, 6)
    dst_x, dst_y, res = out((3, 4)), out((3, 6)), out((3, 1))
    nisa.activation(dst=dst_x, op=nl.exp, data=sb(x), reduce_op=nl.add,
                    reduce_cmd=nisa.reduce_cmd.reset_reduce)
    nisa.activation(dst=dst_y, op=nl.exp, data=sb(y), reduce_op=nl.add, reduce_res=res,
                    reduce_cmd=nisa.reduce_cmd.reduce)
    expected = np.exp(x.astype(np.float64)).sum(1) + np.exp(y.astype(np.float64)).sum(1)
    np.testing.assert_allclose(to_numpy(res)[:, 0], expected, rtol=1e-5)
    nisa.activation(dst=dst_x, op=nl.copy, data=sb(x), reduce_res=res, reduce_cmd=nisa.reduce_cmd.reset)
    np.testing.assert_array_equal(to_numpy(res), np.zeros((3, 1)))


# ----------------------------------------------------------------------------- loops and runs


def test_loop_iterators_are_ranges_and_record_their_kind():
    def kernel():
        seen = [i for i in nl.affine_range(3)] + list(nl.sequential_range(2, 8, 3)) + list(nl.static_range(1))
        assert seen == [0, 1, 2, 2, 5, 0]
        assert len(nl.affine_range(10)) == 10

    _, trace = run_kernel(kernel, return_trace=True)
    assert trace.loops == [("affine_range", 3), ("sequential_range", 2), ("static_range", 1)]


def test_tile_size_constants():
    assert (nl.tile_size.pmax, nl.tile_size.gemm_stationary_fmax, nl.tile_size.gemm_moving_fmax) == (128, 128, 512)


def test_run_kernel_copies_inputs_and_returns_several_outputs():
    x = rand(3, 4)

    def kernel(a, scale):
        t = nl.ndarray(a.shape, a.dtype, buffer=nl.sbuf)
        nisa.dma_copy(dst=t, src=a)
        nisa.tensor_scalar(dst=t, data=t, op0=nl.multiply, operand0=scale)
        o1 = nl.ndarray(a.shape, a.dtype, buffer=nl.shared_hbm)
        o2 = nl.ndarray(a.shape, a.dtype, buffer=nl.hbm)
        nisa.dma_copy(dst=o1, src=t)
        nisa.dma_copy(dst=o2, src=a)
        return o1, o2

    o1, o2 = run_kernel(kernel, x, 3.0)
    np.testing.assert_allclose(o1, x * 3, rtol=1e-6)
    np.testing.assert_array_equal(o2, x)


# ----------------------------------------------------------------------------- selects, compares, shifts


def test_tensor_copy_predicated_copies_where_the_predicate_is_nonzero():
    d, x = rand(4, 6), rand(4, 6)
    x[0, 0], x[1, 1] = np.inf, -0.0
    pred = (RNG.integers(0, 3, (4, 6))).astype(np.uint8)  # 0, 1, 2: nonzero counts as true
    dst, src = sb(d), sb(x)
    nisa.tensor_copy_predicated(dst=dst, src=src, predicate=sb(pred))
    expected = d.copy()
    expected[pred != 0] = x[pred != 0]
    np.testing.assert_array_equal(to_numpy(dst).view(np.uint32), expected.view(np.uint32))  # bit-exact


def test_tensor_copy_predicated_scalar_source_and_reverse_predicate():
    d = np.arange(12, dtype=np.int32).reshape(3, 4)
    pred = np.array([[1, 0, 0, 1], [0, 0, 0, 0], [1, 1, 1, 1]], np.uint16)
    dst = sb(d)
    nisa.tensor_copy_predicated(dst=dst, src=-7, predicate=sb(pred), reverse_pred=True)
    np.testing.assert_array_equal(to_numpy(dst), np.where(pred == 0, -7, d))


def test_tensor_copy_predicated_leaves_unselected_elements_unwritten():
    def kernel(p):
        t = nl.ndarray((2, 2), nl.float32, buffer=nl.sbuf)
        pred = nl.ndarray((2, 2), nl.uint8, buffer=nl.sbuf)
        nisa.dma_copy(dst=pred, src=p)
        nisa.tensor_copy_predicated(dst=t, src=3.0, predicate=pred)
        o = nl.ndarray((2, 2), nl.float32, buffer=nl.shared_hbm)
        nisa.dma_copy(dst=o, src=t)
        return o
    with pytest.raises(Exception, match="uninitialized-read"):
        run_kernel(kernel, np.array([[1, 0], [1, 1]], np.uint8), check_uninitialized=True)
    out = run_kernel(kernel, np.array([[1, 0], [1, 1]], np.uint8))
    assert out[0, 0] == 3.0 and np.isnan(out[0, 1])


@pytest.mark.parametrize("name,fn", [("equal", np.equal), ("not_equal", np.not_equal), ("greater", np.greater),
                                     ("greater_equal", np.greater_equal), ("less", np.less),
                                     ("less_equal", np.less_equal)])
def test_comparisons_give_one_and_zero(name, fn):
    a, b = rand(4, 8), rand(4, 8)
    a[0, :3] = [np.nan, np.inf, -0.0]
    b[0, :3] = [np.nan, np.inf, 0.0]
    b[1] = a[1]
    dst = out((4, 8), nl.uint8)
    nisa.tensor_tensor(dst=dst, data1=sb(a), data2=sb(b), op=getattr(nl, name))
    np.testing.assert_array_equal(to_numpy(dst), fn(a, b).astype(np.uint8))
    scalar = out((4, 8), nl.float32)
    nisa.tensor_scalar(dst=scalar, data=sb(a), op0=getattr(nl, name), operand0=0.25, reverse0=True)
    np.testing.assert_array_equal(to_numpy(scalar), fn(np.float32(0.25), a).astype(np.float32))


def test_shifts_move_bit_patterns_and_right_shift_is_logical():
    x = np.array([[-8, 1, 0x7FFFFFFF, -1]], np.int32)
    u = x.view(np.uint32)
    for data, dtype in ((x, nl.int32), (u, nl.uint32)):
        right, left = out((1, 4), dtype), out((1, 4), dtype)
        nisa.tensor_scalar(dst=right, data=sb(data), op0=nl.right_shift, operand0=3)
        nisa.tensor_tensor(dst=left, data1=sb(data), data2=sb(np.full((1, 4), 4, data.dtype)), op=nl.left_shift)
        np.testing.assert_array_equal(to_numpy(right).view(np.uint32), u >> np.uint32(3))
        np.testing.assert_array_equal(to_numpy(left).view(np.uint32), u << np.uint32(4))
    small = out((1, 2), nl.int8)
    nisa.tensor_scalar(dst=small, data=sb(np.array([[-128, 64]], np.int8)), op0=nl.right_shift, operand0=1)
    np.testing.assert_array_equal(to_numpy(small), np.array([[64, 32]], np.int8))  # 0x80 >> 1 in 8 bits


def test_dma_copy_between_sbuf_tiles_of_other_shapes_keeps_c_order():
    a = rand(8, 4)
    flat = out((1, 32))
    nisa.dma_copy(dst=flat, src=sb(a))
    back = out((32, 1))
    nisa.dma_copy(dst=back, src=flat)
    np.testing.assert_array_equal(to_numpy(flat), a.reshape(1, 32))
    np.testing.assert_array_equal(to_numpy(back), a.reshape(32, 1))
