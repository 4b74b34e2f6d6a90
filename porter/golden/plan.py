"""The binary files between porter and a launcher: the plan (in) and the buffers (out).

Little-endian throughout. Plan::

    "PGPLAN02"
    u32 buffer count,  then per buffer:  u32 item size, u64 element count, the bytes
    u32 scalar count,  then per scalar:  i64 integer value, f64 float value
    u32 launch count,  then per launch:  u32 grid[3], u32 block[3], u32 shared bytes
    u32 op count,      then per op:      u32 kind, u32 a, u32 b, u32 value

The ops are the program (:func:`porter.golden.program.operations`, loops unrolled): kind 0 launch
``a``; 1 memset buffer ``a`` to byte ``value``; 2 memcpy buffer ``b`` into buffer ``a``; 3 symbol
``a`` (index into the sorted symbol names) from buffer ``b``; 4 swap buffers ``a`` and ``b``.

Output::

    "PGOUTP01"
    u32 buffer count,  then per buffer:  u64 byte count, the bytes

Buffers, scalars and launches are in spec order; the launcher knows which goes where.
"""

from __future__ import annotations

import struct

import numpy as np

from porter.golden.model import ResolvedCase
from porter.golden.program import operations

PLAN_MAGIC = b"PGPLAN02"
OP_KINDS = {"launch": 0, "memset": 1, "memcpy": 2, "symbol": 3, "swap": 4}
OUTPUT_MAGIC = b"PGOUTP01"


class PlanFormatError(ValueError):
    pass


def encode_plan(case: ResolvedCase, inputs: dict[str, np.ndarray]) -> bytes:
    parts = [PLAN_MAGIC, struct.pack("<I", len(case.buffers))]
    for buffer in case.buffers:
        data = np.ascontiguousarray(inputs[buffer.name])
        parts.append(struct.pack("<IQ", data.itemsize, data.size))
        parts.append(data.tobytes())
    parts.append(struct.pack("<I", len(case.scalars)))
    for _, value in case.scalars:
        parts.append(struct.pack("<qd", int(value), float(value)))
    parts.append(struct.pack("<I", len(case.launches)))
    for launch in case.launches:
        if any(isinstance(d, str) for d in launch.grid):
            raise PlanFormatError(f"{launch.kernel}: grid {launch.grid} still depends on the device (bind_device)")
        parts.append(struct.pack("<7I", *launch.grid, *launch.block, launch.shared_bytes))
    ops = operations(case)
    names = [b.name for b in case.buffers]
    symbols = sorted({op.symbol for op in ops if op.op == "symbol"})
    parts.append(struct.pack("<I", len(ops)))
    for op in ops:
        if op.op == "launch":
            a, b = op.launch, 0
        elif op.op == "symbol":
            a, b = symbols.index(op.symbol), names.index(op.source)
        else:
            a, b = names.index(op.buffer), names.index(op.source) if op.source else 0
        parts.append(struct.pack("<4I", OP_KINDS[op.op], a, b, op.value))
    return b"".join(parts)


def decode_output(data: bytes, case: ResolvedCase, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Buffer name -> contents after the run, shaped and typed like the inputs."""
    if not data.startswith(OUTPUT_MAGIC):
        raise PlanFormatError("launcher output does not start with the output magic")
    offset = len(OUTPUT_MAGIC)
    (count,) = struct.unpack_from("<I", data, offset)
    offset += 4
    if count != len(case.buffers):
        raise PlanFormatError(f"launcher wrote {count} buffers, expected {len(case.buffers)}")
    outputs = {}
    for buffer in case.buffers:
        (size,) = struct.unpack_from("<Q", data, offset)
        offset += 8
        like = inputs[buffer.name]
        if size != like.nbytes or offset + size > len(data):
            raise PlanFormatError(f"buffer {buffer.name}: {size} bytes, expected {like.nbytes}")
        outputs[buffer.name] = np.frombuffer(data, like.dtype, like.size, offset).reshape(like.shape).copy()
        offset += size
    if offset != len(data):
        raise PlanFormatError(f"{len(data) - offset} unexpected bytes after the buffers")
    return outputs
