"""The one error type of porter's NKI model, and the table of rules it enforces.

Every check in the model raises :class:`NkiModelError` with a rule name from :data:`RULES`, so a
message always says which documented NKI rule the kernel broke (``[matmul-moving-free-max] ...``)
and that the verdict comes from porter's model, not from AWS's compiler or simulator.
"""

from __future__ import annotations

RULES: dict[str, str] = {
    "partition-dim-max": "an SBUF/PSUM tile's axis 0 (the partition dimension) is at most 128",
    "on-chip-rank": "an SBUF/PSUM tile has at least 2 dimensions (partition + free)",
    "dst-required": "every nki.isa instruction takes its destination tile as dst= (first argument)",
    "dst-buffer": "the destination lives in the memory the instruction writes (e.g. nc_matmul: PSUM)",
    "operand-buffer": "operands live in the memory the instruction reads (compute: SBUF/PSUM, not HBM)",
    "both-psum": "tensor_tensor's data1 and data2 cannot both be in PSUM",
    "shape-mismatch": "operands agree in partition size and elements per partition (dma_copy: element count)",
    "scalar-operand-shape": "a vector operand (tensor_scalar operand, activation scale/bias) has shape (P, 1)",
    "operand-dtype": "tensor_scalar tile operands and activation scale are float32; activation bias is not tfloat32",
    "bitvec-integer": "bitvec operators (bitwise_and/or/xor) need integer input and output tiles",
    "op-kind-mix": "tensor_scalar's op0 and op1 are both bitvec or both arithmetic",
    "unknown-op": "the op is one the instruction supports (an ALU operator, or an activation function)",
    "reduce-axis": "tensor_reduce reduces the last contiguous free axes, ending at the final axis, never axis 0",
    "activation-reduce-op": "nisa.activation's reduce_op is nl.add",
    "matmul-stationary-free-max": "nc_matmul's stationary free size is at most 128",
    "matmul-moving-free-max": "nc_matmul's moving free size is at most 512",
    "matmul-shape": "nc_matmul: 2-D tiles, same contraction (partition) size, dst shape (stationary free, moving free)",
    "matmul-dtype": "nc_matmul: inputs fp8/bf16/fp16/tf32/fp32 (fp32/tf32 only with each other); dst float32",
    "index-out-of-bounds": "a tile or tensor index/slice stays inside the tensor (no negative, empty or stepped-back slices)",
    "reshape": "reshape keeps the element count, an on-chip tile keeps its partition size, the layout is contiguous",
    "kernel-output-hbm": "a kernel returns HBM tensors (top-level inputs and outputs live in HBM)",
    "predicate-dtype": "tensor_copy_predicated's predicate is a uint8, uint16 or uint32 tile",
    "copy-dtype": "tensor_copy_predicated: a tile src has dst's dtype (reverse_pred only with a scalar src); a scalar src is a float for float dst, an int for integer dst",
    "uninitialized-read": "(only with check_uninitialized=True) an instruction reads memory nothing has written",
    "compile-time-constant": "loop bounds, memset values and scalar operands are Python numbers known at trace time",
    "model-unsupported": "the construct is outside the NKI subset porter's model implements",
    "undocumented-conversion": "a value written to an integer tile is an integer in the tile's range; NKI does "
                               "not document how other float32 results (fractions, NaN, out of range) become integers",
}


class NkiModelError(Exception):
    """A kernel broke a documented NKI rule, as checked by porter's model (not AWS's simulator)."""

    def __init__(self, rule: str, message: str) -> None:
        if rule not in RULES:
            raise KeyError(f"internal error in porter's NKI model: unknown rule {rule!r}, please report")
        self.rule = rule
        super().__init__(f"[{rule}] {message} (rule: {RULES[rule]}; checked by porter's NKI model)")


def fail(rule: str, message: str) -> NkiModelError:
    """The error to raise; callers write ``raise fail(...)`` so the traceback ends at the check."""
    return NkiModelError(rule, message)
