"""``nki.isa`` as porter's model implements it (not AWS's nki): one function per instruction.

Every instruction takes its destination first (``dst=``), checks the documented memory, shape and
dtype rules (raising :class:`~.errors.NkiModelError` naming the rule), computes in numpy the way
the documentation describes (arithmetic operators on float32 inputs, whatever the tiles' dtypes,
except tensor_tensor's documented native int32/uint32 path on GpSimd; bitvec operators on bit
patterns; matmul accumulating in float32) and writes ``dst``; a float32 result written to an
integer tile must be an integer in its range (see ``dtypes.cast``). Instructions return
``None``: in NKI >= 0.3 results go to ``dst``.
"""

from __future__ import annotations

import enum
from math import prod
from typing import Any

import numpy as np
from porter.backends.nki.model import dtypes as _dtypes
from porter.backends.nki.model import ops as _ops
from porter.backends.nki.model import state as _state
from porter.backends.nki.model.errors import fail
from porter.backends.nki.model.tensor import (
    MemoryRegion,
    Tensor,
    read,
    write,
    written_mask,
)

__porter_model__ = True

SBUF, PSUM = MemoryRegion.sbuf, MemoryRegion.psum
HBM = (MemoryRegion.hbm, MemoryRegion.shared_hbm, MemoryRegion.private_hbm)
ON_CHIP = (SBUF, PSUM)
_MISSING: Any = object()


class engine(enum.Enum):
    tensor = "tensor"
    vector = "vector"
    scalar = "scalar"
    gpsimd = "gpsimd"
    dma = "dma"
    sync = "sync"
    unknown = "unknown"


_Engine = engine  # instructions take a parameter named engine


class reduce_cmd(enum.Enum):
    idle = "idle"
    reset = "reset"
    reduce = "reduce"
    reset_reduce = "reset_reduce"


# --------------------------------------------------------------------------- checks and helpers


def _begin(instruction: str, dst: Any, buffers: tuple[MemoryRegion, ...]) -> Tensor:
    _state.current().trace.count(instruction)
    if dst is _MISSING or dst is None:
        raise fail("dst-required", f"nisa.{instruction} called without dst=; NKI >= 0.3 writes "
                   "results into the tile passed as the first argument dst=")
    if not isinstance(dst, Tensor):
        raise fail("dst-required", f"nisa.{instruction} dst={dst!r} is not a tensor")
    if dst.buffer not in buffers:
        raise fail("dst-buffer", f"nisa.{instruction} writes {_names(buffers)}, but dst is {dst!r}")
    return dst


def _operand(value: Any, role: str, instruction: str, buffers: tuple[MemoryRegion, ...]) -> Tensor:
    if not isinstance(value, Tensor):
        raise fail("operand-buffer", f"nisa.{instruction} {role}={value!r} is not a tile in "
                   f"{_names(buffers)}")
    if value.buffer not in buffers:
        raise fail("operand-buffer", f"nisa.{instruction} reads {role} from {_names(buffers)}, "
                   f"but it is {value!r}")
    return value


def _options(instruction: str, options: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Performance and scheduling options do not change values; anything else is not modelled."""
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise fail("model-unsupported", f"nisa.{instruction} option(s) {', '.join(unknown)} are not "
                   "implemented in porter's model")


def _names(buffers: tuple[MemoryRegion, ...]) -> str:
    return " or ".join(sorted({"HBM" if b in HBM else b.value.upper() for b in buffers}))


def _per_partition(instruction: str, first: Tensor, *others: Tensor) -> tuple[int, int]:
    """(partitions, elements per partition), equal for all the tiles or ``shape-mismatch``."""
    want = (first.shape[0], first.size // first.shape[0])
    for other in others:
        got = (other.shape[0], other.size // other.shape[0])
        if got != want:
            raise fail("shape-mismatch", f"nisa.{instruction}: {first!r} and {other!r} differ in "
                       "partition size or elements per partition")
    return want


def _values(tile: Tensor) -> np.ndarray:
    """The tile's values as (partitions, elements per partition), in its storage dtype."""
    data = read(tile, _state.current().check_uninitialized)
    return data.reshape(tile.shape[0], -1)


def _f32(tile: Tensor) -> np.ndarray:
    return _values(tile).astype(np.float32)


def _constant(value: Any, role: str, instruction: str) -> np.float32:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise fail("compile-time-constant", f"nisa.{instruction} {role}={value!r} is neither a "
                   "tile nor a Python number")
    return np.float32(value)


def _vector_or_scalar(value: Any, role: str, instruction: str, partitions: int) -> np.ndarray:
    """A (P, 1) tile broadcast along the free axis, or a compile-time scalar, as float32."""
    if not isinstance(value, Tensor):
        return np.asarray(_constant(value, role, instruction))
    _operand(value, role, instruction, ON_CHIP)
    if value.shape[0] != partitions or value.size != partitions:
        raise fail("scalar-operand-shape", f"nisa.{instruction} {role} {value!r} must have shape "
                   f"({partitions}, 1): one value per partition of the data tile")
    return _f32(value)


def _is_int(tile: Tensor) -> bool:
    return not tile.dtype.is_float


# --------------------------------------------------------------------------- data movement


def dma_copy(dst: Any = _MISSING, src: Any = None, **options: Any) -> None:
    """``dst = src`` between HBM and SBUF; a dtype change goes through float32."""
    dst = _begin("dma_copy", dst, HBM + (SBUF,))
    _options("dma_copy", options, ("priority", "oob_mode", "dge_mode", "engine", "name"))
    src = _operand(src, "src", "dma_copy", HBM + (SBUF,))
    if src.size != dst.size:
        raise fail("shape-mismatch", f"nisa.dma_copy moves {src.size} elements from {src!r} into "
                   f"{dst.size} of {dst!r}")
    values = read(src, _state.current().check_uninitialized)
    same = src.dtype == dst.dtype
    write(dst, values if same else values.astype(np.float32), exact=same)


def tensor_copy(dst: Any = _MISSING, src: Any = None, engine: Any = None, name: Any = None) -> None:
    """Copy within SBUF/PSUM: bit-exact for equal dtypes, through float32 otherwise."""
    dst = _begin("tensor_copy", dst, ON_CHIP)
    src = _operand(src, "src", "tensor_copy", ON_CHIP)
    _per_partition("tensor_copy", src, dst)
    same = src.dtype == dst.dtype
    write(dst, _values(src) if same else _f32(src), exact=same)


_PREDICATES = ("uint8", "uint16", "uint32")


def tensor_copy_predicated(dst: Any = _MISSING, src: Any = None, predicate: Any = None,
                           reverse_pred: bool = False, name: Any = None) -> None:
    """``dst = src`` where ``predicate`` is nonzero (``reverse_pred``: where it is zero); the other
    elements of dst keep their values. ``src`` is a tile of dst's dtype or a Python number."""
    dst = _begin("tensor_copy_predicated", dst, ON_CHIP)
    predicate = _operand(predicate, "predicate", "tensor_copy_predicated", ON_CHIP)
    if predicate.dtype.name not in _PREDICATES:
        raise fail("predicate-dtype", f"nisa.tensor_copy_predicated predicate {predicate!r} must be "
                   "uint8, uint16 or uint32")
    _per_partition("tensor_copy_predicated", predicate, dst)
    if isinstance(src, Tensor):
        src = _operand(src, "src", "tensor_copy_predicated", ON_CHIP)
        if src.buffer is PSUM and predicate.buffer is PSUM:
            raise fail("both-psum", f"nisa.tensor_copy_predicated reads {src!r} and {predicate!r}, "
                       "both in PSUM")
        if src.dtype != dst.dtype:
            raise fail("copy-dtype", f"nisa.tensor_copy_predicated src {src!r} and dst {dst!r} must "
                       "share a dtype")
        if reverse_pred:
            raise fail("copy-dtype", "nisa.tensor_copy_predicated reverse_pred=True needs a scalar src")
        _per_partition("tensor_copy_predicated", src, dst)
        values = _values(src)
    else:
        _constant(src, "src", "tensor_copy_predicated")
        if isinstance(src, (float, np.floating)) != dst.dtype.is_float:
            raise fail("copy-dtype", f"nisa.tensor_copy_predicated scalar src={src!r} must be a Python "
                       f"{'float' if dst.dtype.is_float else 'int'} for dst {dst!r}")
        values = np.full((dst.shape[0], dst.size // dst.shape[0]), src)
    take = _values(predicate) != 0
    if reverse_pred:
        take = ~take
    new = values if isinstance(src, Tensor) else _dtypes.cast(values, dst.dtype)
    data, written = dst._data.reshape(take.shape), dst._written.reshape(take.shape)
    data[take] = new[take]  # views of dst's storage: only the selected elements change
    written[take] = True


def memset(dst: Any = _MISSING, value: Any = None, engine: Any = None, name: Any = None) -> None:
    dst = _begin("memset", dst, ON_CHIP)
    constant = _constant(value, "value", "memset")
    fill = value if _is_int(dst) and isinstance(value, (int, np.integer)) else constant
    write(dst, np.full(dst.shape, fill))


def iota(dst: Any = _MISSING, pattern: Any = None, offset: Any = 0, channel_multiplier: Any = 0,
         name: Any = None) -> None:
    """offset + partition * channel_multiplier + sum(index_i * step_i), in int32, cast to dst."""
    dst = _begin("iota", dst, (SBUF,))
    for role, value in (("offset", offset), ("channel_multiplier", channel_multiplier)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise fail("compile-time-constant", f"nisa.iota {role}={value!r} is not a Python int")
    try:
        steps, counts = zip(*((int(s), int(n)) for s, n in pattern))
    except (TypeError, ValueError):
        raise fail("compile-time-constant", f"nisa.iota pattern={pattern!r} is not a list of "
                   "[step, num] pairs") from None
    if len(steps) > 4 or prod(counts) != dst.size // dst.shape[0]:
        raise fail("shape-mismatch", f"nisa.iota pattern {pattern} (up to 4 [step, num] pairs) "
                   f"must cover the {dst.size // dst.shape[0]} elements per partition of {dst!r}")
    free = np.zeros(counts, dtype=np.int64)
    for axis, step in enumerate(steps):
        shape = [1] * len(counts)
        shape[axis] = counts[axis]
        free = free + np.arange(counts[axis], dtype=np.int64).reshape(shape) * step
    channel = np.arange(dst.shape[0], dtype=np.int64).reshape(-1, 1) * channel_multiplier
    values = (int(offset) + channel + free.reshape(1, -1)).astype(np.int32)  # int32 arithmetic
    write(dst, values)


# --------------------------------------------------------------------------- Tensor Engine

_MATMUL_INPUTS = ("float32", "tfloat32", "bfloat16", "float16")


def nc_matmul(dst: Any = _MISSING, stationary: Any = None, moving: Any = None,
              is_stationary_onezero: bool = False, is_moving_onezero: bool = False,
              is_transpose: bool = False, accumulate: Any = None, **options: Any) -> None:
    """``dst (+)= stationary.T @ moving``; contraction over partitions, float32 accumulation.

    ``accumulate=None`` follows the documented auto-detection: elements of dst nothing has
    written yet are overwritten, elements already written are accumulated into.
    """
    dst = _begin("nc_matmul", dst, (PSUM,))
    _options("nc_matmul", options, ("tile_position", "tile_size", "perf_mode", "name"))
    stationary = _operand(stationary, "stationary", "nc_matmul", (SBUF,))
    moving = _operand(moving, "moving", "nc_matmul", (SBUF,))
    if stationary.ndim != 2 or moving.ndim != 2 or dst.ndim != 2:
        raise fail("matmul-shape", "porter's model takes 2-D stationary, moving and dst tiles, got "
                   f"{stationary!r}, {moving!r}, {dst!r}")
    (k, m), (k2, n) = stationary.shape, moving.shape
    if m > 128:
        raise fail("matmul-stationary-free-max", f"stationary {stationary!r} has free size {m} > 128")
    if n > 512:
        raise fail("matmul-moving-free-max", f"moving {moving!r} has free size {n} > 512")
    if k != k2 or dst.shape != (m, n):
        raise fail("matmul-shape", f"stationary {stationary.shape} and moving {moving.shape} need the "
                   f"same partition (contraction) size and dst of shape ({m}, {n}); dst is {dst.shape}")
    _check_matmul_dtypes(stationary, moving, dst)
    product = _f32(stationary).T @ _f32(moving)
    if accumulate is None:
        previous = written_mask(dst)
    else:
        previous = np.full(dst.shape, bool(accumulate))
    if previous.any():
        old = read(dst, _state.current().check_uninitialized) if accumulate else dst._data
        product = np.where(previous, old + product, product)
    write(dst, product)


def _check_matmul_dtypes(stationary: Tensor, moving: Tensor, dst: Tensor) -> None:
    names = (stationary.dtype.name, moving.dtype.name)
    for tile in (stationary, moving):
        if tile.dtype.name not in _MATMUL_INPUTS:
            raise fail("matmul-dtype", f"{tile!r}: nc_matmul inputs are float8/bfloat16/float16/"
                       "tfloat32/float32")
    wide = [name in ("float32", "tfloat32") for name in names]
    if any(wide) and not all(wide):
        raise fail("matmul-dtype", f"nc_matmul mixes {names[0]} with {names[1]}; a float32/tfloat32 "
                   "input needs the other input float32/tfloat32 too")
    if dst.dtype.name != "float32":
        raise fail("matmul-dtype", f"nc_matmul dst {dst!r} must be float32 (NeuronCore-v2/v3)")


# --------------------------------------------------------------------------- Vector Engine


#: arithmetic operators GpSimd Engine computes in native integers when every tile is (u)int32
_NATIVE_INT = ("add", "subtract", "multiply", "maximum", "minimum", "equal", "not_equal", "greater",
               "greater_equal", "less", "less_equal")


def tensor_tensor(dst: Any = _MISSING, data1: Any = None, data2: Any = None, op: Any = None,
                  engine: Any = None, name: Any = None) -> None:
    """Element-wise ``data1 op data2``. Bitvec operators work on bit patterns. Arithmetic operators
    convert the inputs to float32 and the float32 result to dst's dtype, except when every tile is
    int32/uint32 and the instruction runs on GpSimd Engine (the default for such tiles unless one
    is in PSUM, or ``engine=nisa.engine.gpsimd``): native integer arithmetic, exact."""
    dst = _begin("tensor_tensor", dst, ON_CHIP)
    data1 = _operand(data1, "data1", "tensor_tensor", ON_CHIP)
    data2 = _operand(data2, "data2", "tensor_tensor", ON_CHIP)
    alu = _ops.alu(op, "tensor_tensor")
    if data1.buffer is PSUM and data2.buffer is PSUM:
        raise fail("both-psum", f"nisa.tensor_tensor reads {data1!r} and {data2!r}, both in PSUM")
    tiles = (data1, data2, dst)
    in_psum = any(t.buffer is PSUM for t in tiles)
    if (alu.name == "power" or engine is _Engine.gpsimd) and in_psum:
        what = "nl.power runs" if alu.name == "power" else "engine=nisa.engine.gpsimd runs"
        raise fail("operand-buffer", f"{what} on GpSimd Engine, which cannot access PSUM")
    _per_partition("tensor_tensor", data1, data2, dst)
    if alu.kind == "bitvec":
        _require_integers("tensor_tensor", alu, tiles)
        first = _pattern(_values(data1).astype(np.int64), data1) if alu.logical else _values(data1).astype(np.int64)
        result = alu.fn(first, _values(data2).astype(np.int64))
        write(dst, _wrap(result, dst))
    elif _native_integers(alu, tiles, engine, in_psum):
        result = alu.fn(_values(data1).astype(np.int64), _values(data2).astype(np.int64))
        write(dst, _wrap(result, dst))
    else:
        write(dst, alu.fn(_f32(data1), _f32(data2)))


def _native_integers(alu: _ops.Op, tiles: tuple[Tensor, ...], chosen: Any, in_psum: bool) -> bool:
    """Documented: "When all input/output tiles are int32 or uint32, the operation defaults to GpSimd
    Engine, which uses native integer arithmetic" unless ``engine=nisa.engine.vector``; GpSimd cannot
    access PSUM, so with a PSUM tile the default dispatch runs on Vector Engine (float32)."""
    if alu.name not in _NATIVE_INT or not all(t.dtype.name in ("int32", "uint32") for t in tiles):
        return False
    if chosen is _Engine.vector:
        return False
    return chosen is _Engine.gpsimd or not in_psum


def _require_integers(instruction: str, alu: _ops.Op, tiles: tuple[Tensor, ...]) -> None:
    for tile in tiles:
        if not _is_int(tile):
            raise fail("bitvec-integer", f"nisa.{instruction} with bitvec {alu!r} needs integer tiles; "
                       f"{tile!r} is not")


def _pattern(values: np.ndarray, tile: Tensor) -> np.ndarray:
    """Integer values as the unsigned bit pattern of the tile's width (for logical shifts)."""
    return values & ((1 << (tile.dtype.storage.itemsize * 8)) - 1)


def _wrap(values: np.ndarray, dst: Tensor) -> np.ndarray:
    """Two's-complement wrap of integer results to dst's width (the model's choice on overflow)."""
    bits = dst.dtype.storage.itemsize * 8
    return (values.astype(np.int64) & ((1 << bits) - 1)).astype(np.uint64).astype(dst.dtype.storage)


def tensor_scalar(dst: Any = _MISSING, data: Any = None, op0: Any = None, operand0: Any = None,
                  reverse0: bool = False, op1: Any = None, operand1: Any = None,
                  reverse1: bool = False, engine: Any = None, name: Any = None) -> None:
    """``(data op0 operand0) op1 operand1``; operands are scalars or (P, 1) float32 tiles."""
    dst = _begin("tensor_scalar", dst, ON_CHIP)
    data = _operand(data, "data", "tensor_scalar", ON_CHIP)
    partitions, _ = _per_partition("tensor_scalar", data, dst)
    steps = [(_ops.alu(op0, "tensor_scalar"), operand0, reverse0, "operand0")]
    if op1 is not None:
        steps.append((_ops.alu(op1, "tensor_scalar"), operand1, reverse1, "operand1"))
    if len({alu.kind for alu, *_ in steps}) > 1:
        raise fail("op-kind-mix", f"nisa.tensor_scalar mixes {steps[0][0]!r} and {steps[1][0]!r}: "
                   "op0 and op1 must both be bitvec or both arithmetic")
    if steps[0][0].kind == "bitvec":
        _require_integers("tensor_scalar", steps[0][0], (data, dst))
        result = _values(data).astype(np.int64)
        for alu, operand, reverse, role in steps:
            value = _int_operand(operand, role, partitions)
            if alu.logical and not reverse:
                result = _pattern(result, data)
            result = alu.fn(value, result) if reverse else alu.fn(result, value)
        write(dst, _wrap(result, dst))
        return
    result = _f32(data)
    for alu, operand, reverse, role in steps:
        if isinstance(operand, Tensor) and operand.dtype.name != "float32":
            raise fail("operand-dtype", f"nisa.tensor_scalar {role} {operand!r} must be float32")
        value = _vector_or_scalar(operand, role, "tensor_scalar", partitions)
        result = alu.fn(value, result) if reverse else alu.fn(result, value)
    write(dst, result)


def _int_operand(operand: Any, role: str, partitions: int) -> np.ndarray:
    if isinstance(operand, Tensor):
        _vector_or_scalar(operand, role, "tensor_scalar", partitions)
        return _values(operand).astype(np.int64)
    if isinstance(operand, bool) or not isinstance(operand, (int, np.integer)):
        raise fail("compile-time-constant", f"nisa.tensor_scalar bitvec {role}={operand!r} must be "
                   "a Python int or an integer (P, 1) tile")
    return np.asarray(int(operand), dtype=np.int64)


def tensor_reduce(dst: Any = _MISSING, op: Any = None, data: Any = None, axis: Any = None,
                  negate: bool = False, keepdims: bool = False, name: Any = None) -> None:
    """Reduce the trailing free axes named by ``axis``; float32 math for arithmetic operators."""
    dst = _begin("tensor_reduce", dst, ON_CHIP)
    data = _operand(data, "data", "tensor_reduce", ON_CHIP)
    alu = _ops.alu(op, "tensor_reduce", reduction=True)
    axes = sorted({axis} if isinstance(axis, (int, np.integer)) else set(axis or ()))
    last = data.ndim - 1
    if not axes or axes[0] < 1 or axes != list(range(axes[0], last + 1)):
        raise fail("reduce-axis", f"nisa.tensor_reduce axis={axis!r} on {data!r}: the axes must be "
                   f"the last contiguous free axes ending at axis {last} (and never axis 0)")
    kept = prod(data.shape[1:axes[0]])
    if dst.shape[0] != data.shape[0] or dst.size // dst.shape[0] != kept:
        raise fail("shape-mismatch", f"nisa.tensor_reduce of {data!r} over axes {axes} leaves "
                   f"{kept} elements per partition, but dst is {dst!r}")
    rows = _values(data).reshape(data.shape[0], kept, -1)
    if alu.kind == "bitvec":
        _require_integers("tensor_reduce", alu, (data, dst))
        write(dst, _wrap(alu.reduce(rows.astype(np.int64), axis=2), dst))
        return
    result = alu.reduce(rows.astype(np.float32), axis=2)
    write(dst, -result if negate else result)


# --------------------------------------------------------------------------- Scalar Engine


def activation(dst: Any = _MISSING, op: Any = None, data: Any = None, bias: Any = None,
               scale: Any = 1.0, reduce_op: Any = None, reduce_res: Any = None,
               reduce_cmd: Any = reduce_cmd.idle, name: Any = None) -> None:
    """``dst = op(data * scale + bias)`` in float32, with the optional reduce_regs accumulation."""
    dst = _begin("activation", dst, ON_CHIP)
    data = _operand(data, "data", "activation", ON_CHIP)
    function = _ops.activation(op)
    partitions, _ = _per_partition("activation", data, dst)
    if isinstance(scale, Tensor) and scale.dtype.name != "float32":
        raise fail("operand-dtype", f"nisa.activation scale {scale!r} must be float32")
    if isinstance(bias, Tensor) and bias.dtype.name == "tfloat32":
        raise fail("operand-dtype", f"nisa.activation bias {bias!r} cannot be tfloat32")
    scale_v = _vector_or_scalar(scale, "scale", "activation", partitions)
    bias_v = np.float32(0) if bias is None else _vector_or_scalar(bias, "bias", "activation", partitions)
    with np.errstate(all="ignore"):
        output = function.fn(_f32(data) * scale_v + bias_v).astype(np.float32)
    _reduce_regs(reduce_op, reduce_res, reduce_cmd, output, partitions)
    write(dst, output)


def _reduce_regs(reduce_op: Any, reduce_res: Any, command: Any, output: np.ndarray,
                 partitions: int) -> None:
    if reduce_op is not None and reduce_op is not _ops.OPS["add"]:
        raise fail("activation-reduce-op", f"nisa.activation reduce_op={reduce_op!r}; Scalar Engine "
                   "reduction registers only sum (reduce_op=nl.add)")
    if not isinstance(command, reduce_cmd):
        raise fail("model-unsupported", f"nisa.activation reduce_cmd={command!r} is not a "
                   "nisa.reduce_cmd member")
    regs = _state.current().reduce_regs
    if command in (reduce_cmd.reset, reduce_cmd.reset_reduce):
        regs[:] = 0.0
    if command in (reduce_cmd.reduce, reduce_cmd.reset_reduce):
        regs[:partitions] += output.sum(axis=1, dtype=np.float32)
    if reduce_res is None:
        return
    reduce_res = _operand(reduce_res, "reduce_res", "activation", ON_CHIP)
    if reduce_res.shape[0] != partitions or reduce_res.size != partitions:
        raise fail("scalar-operand-shape", f"nisa.activation reduce_res {reduce_res!r} must have "
                   f"shape ({partitions}, 1)")
    write(reduce_res, regs[:partitions].copy())
