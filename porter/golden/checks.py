"""Format 2's checks of a spec against itself and its source (called by :mod:`.validate`)."""

from __future__ import annotations

import re

from porter.golden.dtypes import DTYPES
from porter.golden.errors import SpecError
from porter.golden.expr import evaluate
from porter.golden.model import KernelSpec, ResolvedCase
from porter.golden.program import MAX_OPERATIONS, operations
from porter.golden.steps import iter_steps


def check_v2(spec: KernelSpec) -> None:
    outputs = {b.name for b in spec.buffers if b.is_output}
    for buffer in spec.buffers:
        if buffer.undefined and not buffer.is_output:
            raise SpecError(f"{spec.path}: buffers.{buffer.name}.undefined",
                            f"only outputs have undefined elements; {buffer.name!r} has role 'in'")
    if spec.nondeterministic is not None:
        for name in spec.nondeterministic.buffers:
            if name not in outputs:
                raise SpecError(f"{spec.path}: nondeterministic.buffers", f"{name!r} is not an output buffer",
                                f"outputs: {', '.join(sorted(outputs))}")


def check_case(spec: KernelSpec, case: ResolvedCase) -> None:
    """Host operations on buffers of equal size, a bounded program, consistent CSR inputs."""
    where = f"{spec.path}: case {case.case!r}"
    sizes = {b.name: b.count * DTYPES[b.dtype].itemsize for b in case.buffers}
    for step in iter_steps(spec.steps):
        pairs = [(step.buffer, step.source)] if step.op in ("memcpy", "swap") else list(step.swaps)
        for a, b in pairs:
            if sizes[a] != sizes[b]:
                raise SpecError(f"{where}: step ({step.op} {a}, {b})",
                                f"{a!r} has {sizes[a]} bytes and {b!r} has {sizes[b]}", "copy and swap equal sizes")
            if step.op != "memcpy" and spec.buffer(a).dtype != spec.buffer(b).dtype:
                raise SpecError(f"{where}: step (swap {a}, {b})", "swapped buffers have different dtypes")
    if len(operations(case)) > MAX_OPERATIONS:
        raise SpecError(f"{where}: step", f"more than {MAX_OPERATIONS} operations once loops are unrolled")
    _check_csr(spec, case, where)


def _check_csr(spec: KernelSpec, case: ResolvedCase, where: str) -> None:
    matrices: dict[str, tuple] = {}
    for buffer in case.buffers:
        if buffer.init.kind != "csr":
            continue
        params = dict(buffer.init.params)
        key = f"{where}: buffers.{buffer.name}"
        shape = (int(params["rows"]), int(params["cols"]), float(params["density"]))
        if not 0.0 <= shape[2] <= 1.0:
            raise SpecError(f"{key}.density", f"{shape[2]} is not in [0, 1]")
        if matrices.setdefault(params["matrix"], shape) != shape:
            raise SpecError(key, f"matrix {params['matrix']!r} has other rows/cols/density in another buffer")
        nnz = evaluate("csr_nnz(r, c, d)", {"r": shape[0], "c": shape[1], "d": shape[2]})
        want = shape[0] + 1 if params["part"] == "offsets" else nnz
        if buffer.count != want:
            raise SpecError(f"{key}.shape", f"part {params['part']!r} of a {shape[0]}x{shape[1]} matrix of density "
                            f"{shape[2]} has {want} elements, the buffer {buffer.count}",
                            'shape = "rows + 1" for offsets, "csr_nnz(rows, cols, density)" for indices')


def check_symbols(spec: KernelSpec, source: bytes) -> None:
    text = source.decode("utf-8", errors="replace")
    for name in spec.symbols:
        if not re.search(rf"__constant__[^;{{}}]*\b{re.escape(name)}\s*(\[|=|;)", text):
            raise SpecError(f"{spec.path}: step (symbol {name})",
                            f"no __constant__ variable {name!r} in {spec.source.name}")
