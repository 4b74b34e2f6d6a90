"""Operator tokens (``nl.add``, ``nl.exp``, ...) and what each computes, as tables.

In NKI the same names are also high-level ``nki.language`` functions; porter emits only the
``nki.isa`` style, so here they are tokens passed as ``op=``. Calling one raises
``model-unsupported``. ALU operators compute on float32 (``ARITH``) or on integer bit patterns
(``BITVEC``); activation functions are float32 functions of one argument.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from porter.backends.nki.model.errors import fail


@dataclass(frozen=True)
class Op:
    name: str
    kind: str  # "arith", "bitvec" or "activation"
    fn: Callable[..., np.ndarray] = field(compare=False, repr=False)
    reduce: Callable[..., np.ndarray] | None = field(default=None, compare=False, repr=False)
    #: bitvec shifts that move the bit pattern of the data's own width (logical shift right)
    logical: bool = False

    def __repr__(self) -> str:
        return f"nl.{self.name}"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise fail("model-unsupported", f"calling nl.{self.name}(...) as a function; porter's model "
                   f"implements the nki.isa style, where nl.{self.name} is passed as op=")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


_ARITH = [
    Op("add", "arith", np.add, np.add.reduce),
    Op("subtract", "arith", np.subtract),
    Op("multiply", "arith", np.multiply, np.multiply.reduce),
    Op("divide", "arith", np.divide),
    Op("maximum", "arith", np.maximum, np.maximum.reduce),
    Op("minimum", "arith", np.minimum, np.minimum.reduce),
    Op("power", "arith", np.power),
    # comparisons: float32 inputs, 1.0 where true and 0.0 where false (NaN compares unequal)
    Op("equal", "arith", lambda a, b: np.equal(a, b).astype(np.float32)),
    Op("not_equal", "arith", lambda a, b: np.not_equal(a, b).astype(np.float32)),
    Op("greater", "arith", lambda a, b: np.greater(a, b).astype(np.float32)),
    Op("greater_equal", "arith", lambda a, b: np.greater_equal(a, b).astype(np.float32)),
    Op("less", "arith", lambda a, b: np.less(a, b).astype(np.float32)),
    Op("less_equal", "arith", lambda a, b: np.less_equal(a, b).astype(np.float32)),
]
_BITVEC = [
    Op("bitwise_and", "bitvec", np.bitwise_and, np.bitwise_and.reduce),
    Op("bitwise_or", "bitvec", np.bitwise_or, np.bitwise_or.reduce),
    Op("bitwise_xor", "bitvec", np.bitwise_xor, np.bitwise_xor.reduce),
    # shifts of the bit pattern; right_shift is logical (zeros come in from the left)
    Op("left_shift", "bitvec", np.left_shift),
    Op("right_shift", "bitvec", np.right_shift, logical=True),
]
_ACTIVATION = [
    Op("copy", "activation", lambda x: x),
    Op("exp", "activation", np.exp),
    Op("log", "activation", np.log),
    Op("tanh", "activation", np.tanh),
    Op("sigmoid", "activation", _sigmoid),
    Op("relu", "activation", lambda x: np.maximum(x, np.float32(0))),
    Op("silu", "activation", lambda x: x * _sigmoid(x)),
    Op("sqrt", "activation", np.sqrt),
    Op("rsqrt", "activation", lambda x: 1.0 / np.sqrt(x)),
    Op("square", "activation", np.square),
    Op("abs", "activation", np.abs),
    Op("reciprocal", "activation", lambda x: 1.0 / x),
    Op("sin", "activation", np.sin),
    Op("cos", "activation", np.cos),
]
OPS: dict[str, Op] = {op.name: op for op in _ARITH + _BITVEC + _ACTIVATION}


def alu(op: Any, instruction: str, *, reduction: bool = False) -> Op:
    """The ALU operator ``op`` names, or ``unknown-op`` naming the instruction."""
    if isinstance(op, Op) and op.kind in ("arith", "bitvec") and (not reduction or op.reduce):
        return op
    what = "reduction operator" if reduction else "ALU operator"
    raise fail("unknown-op", f"nisa.{instruction} got op={op!r}, which is not a {what} porter's "
               f"model supports ({', '.join(_names(reduction))})")


def activation(op: Any) -> Op:
    if isinstance(op, Op) and op.kind == "activation":
        return op
    names = ", ".join(f"nl.{o.name}" for o in _ACTIVATION)
    raise fail("unknown-op", f"nisa.activation got op={op!r}, not an activation function porter's "
               f"model supports ({names})")


def _names(reduction: bool) -> list[str]:
    return [f"nl.{o.name}" for o in _ARITH + _BITVEC if not reduction or o.reduce]
