"""Binaries under Nsight Compute (``ncu``): one row per kernel launch, read from its raw CSV page.

ncu replays each kernel alone to read its counters, so its durations are of serialized kernels
and there is no timeline: porter lays the kernels end to end in launch order (``meta.timeline``
says so). It reports no memory copies or API calls. Per kernel it gives the launch geometry,
registers and shared memory, the duration (``gpu__time_duration.sum``), DRAM bytes and the
single- and double-precision floating-point operations the SASS executed (an FMA counts 2), which
``porter trace roofline`` uses.
"""

from __future__ import annotations

import csv
import io
import re

from porter.profile.names import base_name
from porter.profile.store import Kernel, Profile

TIME = "gpu__time_duration.sum"
GEOMETRY = ("launch__registers_per_thread", "launch__shared_mem_per_block_static",
            "launch__shared_mem_per_block_dynamic")
BYTES = ("dram__bytes_read.sum", "dram__bytes_write.sum")
#: (metric, operations per executed instruction)
FLOPS = (("sm__sass_thread_inst_executed_op_fadd_pred_on.sum", 1),
         ("sm__sass_thread_inst_executed_op_fmul_pred_on.sum", 1),
         ("sm__sass_thread_inst_executed_op_ffma_pred_on.sum", 2),
         ("sm__sass_thread_inst_executed_op_dadd_pred_on.sum", 1),
         ("sm__sass_thread_inst_executed_op_dmul_pred_on.sum", 1),
         ("sm__sass_thread_inst_executed_op_dfma_pred_on.sum", 2))
FULL_METRICS = (TIME, *GEOMETRY, *BYTES, *(m for m, _ in FLOPS))
TIME_METRICS = (TIME, *GEOMETRY)


def command(metrics: tuple[str, ...], log_file: str) -> list[str]:
    """The ncu arguments that write the raw CSV page of ``metrics`` for every kernel to ``log_file``."""
    return ["ncu", "--csv", "--page", "raw", "--print-units", "base", "--clock-control", "none",
            "--print-kernel-base", "demangled", "--metrics", ",".join(metrics), "--log-file", log_file]


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    text = text.replace(",", "").strip()
    try:
        return float(text)
    except ValueError:
        return None


def _dims(text: str | None) -> tuple[int | None, int | None, int | None]:
    found = [int(v) for v in re.findall(r"\d+", text or "")]
    return tuple(found) if len(found) == 3 else (None, None, None)  # type: ignore[return-value]


def _sum(row: dict, metrics) -> int | None:
    values = [_number(row.get(m)) for m in metrics]
    return None if any(v is None for v in values) else int(sum(values))


def profile_from_csv(text: str, meta: dict | None = None) -> Profile:
    """A :class:`Profile` of the kernels in ncu's raw CSV output ``text`` (other lines ignored)."""
    lines = [line for line in text.splitlines() if line.startswith('"')]
    kernels, clock = [], 0
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        if not (row.get("ID") or "").strip().isdigit():
            continue  # the units row
        duration = _number(row.get(TIME))
        if duration is None:
            continue
        name = row.get("Kernel Name") or row.get("Function Name") or "?"
        static, dynamic = _number(row.get(GEOMETRY[1])), _number(row.get(GEOMETRY[2]))
        flops = None
        if all(_number(row.get(m)) is not None for m, _ in FLOPS):
            flops = int(sum(_number(row[m]) * k for m, k in FLOPS))
        registers = _number(row.get(GEOMETRY[0]))
        kernels.append(Kernel(name, base_name(name), clock, int(duration), *_dims(row.get("Grid Size")),
                              *_dims(row.get("Block Size")),
                              registers=None if registers is None else int(registers),
                              shared_bytes=None if static is None else int(static + (dynamic or 0)),
                              stream=int(_number(row.get("Stream")) or 0), device=int(_number(row.get("Device")) or 0),
                              dram_bytes=_sum(row, BYTES), flops=flops))
        clock += int(duration)
    totals: dict[str, list[int]] = {}
    for k in kernels:  # ncu's own per-launch durations, summed per name
        calls, total = totals.get(k.name, [0, 0])
        totals[k.name] = [calls + 1, total + k.duration_ns]
    meta = {"source": "ncu", "timeline": "serialized: ncu replays each kernel alone; kernels laid end to end",
            **(meta or {})}
    return Profile(kernels, [], [], meta, {n: (c, t) for n, (c, t) in totals.items()})
