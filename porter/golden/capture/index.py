"""Read a capture folder: the shim's ``index.jsonl`` and its ``blobs/``, decoded with the kernels' layouts.

Each sampled launch becomes a :class:`Launch` (geometry, stream, scalars decoded from the raw argument
bytes, each pointer argument's memory before and after as arrays of the pointee's dtype, the
``__constant__`` symbols the kernel reads), or a :class:`Skipped` with the diagnostic that says why
it cannot become a golden case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from porter.golden.capture.sources import Kernel, ParamLayout
from porter.golden.dtypes import DTYPES


@dataclass(frozen=True)
class Launch:
    kernel: str
    number: int  # the kernel's launch index in the program's run (0-based)
    seq: int  # order among captured launches
    grid: tuple[int, int, int]
    block: tuple[int, int, int]
    shared: int
    stream: int  # 0: the default stream; 1, 2, ...: streams in the order the program first used them
    scalars: dict[str, int | float] = field(default_factory=dict)
    before: dict[str, np.ndarray] = field(default_factory=dict)  # pointer parameter -> storage array
    after: dict[str, np.ndarray] = field(default_factory=dict)
    symbols: dict[str, np.ndarray] = field(default_factory=dict)  # __constant__ name -> bytes (uint8)
    memory: dict[str, str] = field(default_factory=dict)  # pointer parameter -> device | managed | async


@dataclass(frozen=True)
class Skipped:
    kernel: str
    number: int
    code: str
    message: str


@dataclass(frozen=True)
class Index:
    launches: list[Launch]
    skipped: list[Skipped]
    counts: dict[str, tuple[int, int]]  # kernel -> (launches seen, launches captured)
    budget_hit: bool
    globals_: tuple[str, ...]  # __device__ variables of the program (not captured)


def read_index(folder: Path, kernels: dict[str, Kernel]) -> Index:
    launches, skipped, counts, budget, globals_ = [], [], {}, False, []
    for line in (folder / "index.jsonl").read_text().splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            skipped.append(Skipped("?", -1, "P0134", f"an unfinished record in the index (the program crashed "
                                                     f"in a launch?): {line[:120]}"))
            continue
        kind = event.get("event")
        if kind == "kernel":
            counts[event["kernel"]] = (event["launches"], event["captured"])
        elif kind == "budget":
            budget = True
        elif kind == "global":
            globals_.append(event["name"])
        elif kind == "launch":
            result = _launch(folder, event, kernels.get(event["kernel"]))
            (launches if isinstance(result, Launch) else skipped).append(result)
    return Index(launches, skipped, counts, budget, tuple(globals_))


def _launch(folder: Path, event: dict, kernel: Kernel | None) -> Launch | Skipped:
    name, number = event["kernel"], event["launch"]

    def skip(code: str, message: str) -> Skipped:
        return Skipped(name, number, code, message)

    if kernel is None:
        return skip("P0133", f"kernel {name!r} ({event['mangled']}) is not defined in the --source files")
    if kernel.params is None:
        return skip("P0133", f"kernel {name!r} ({kernel.file}:{kernel.line}): {kernel.problem}")
    if "result" not in event:
        return skip("P0134", "the program stopped inside this launch")
    if event["result"] or event["sync"]:
        return skip("P0134", f"the launch failed on the device (launch error {event['result']}, "
                             f"synchronize error {event['sync']})")
    params = kernel.params
    raw = [bytes.fromhex(a) for a in event["args"]]
    scalars = {p.name: _scalar(p, data) for p, data in zip(params, raw) if not p.pointer}
    before, after, memory, allocations = {}, {}, {}, {}
    after_files = {a["arg"]: a for a in event["after"]}
    for entry in event["buffers"]:
        param = params[entry["arg"]]
        if "alloc" not in entry:
            if entry["address"] == 0:
                return skip("P0135", f"argument {param.name!r} is a null pointer: the spec cannot express it")
            return skip("P0135", f"argument {param.name!r} ({entry['address']:#x}) points into no allocation "
                                 "the shim saw (host memory, cudaMallocHost or a library's own allocation)")
        if entry["alloc"] in allocations:
            return skip("P0136", f"arguments {allocations[entry['alloc']]!r} and {param.name!r} point into one "
                                 "allocation: a spec's buffers cannot alias")
        allocations[entry["alloc"]] = param.name
        done = after_files.get(entry["arg"], {})
        if entry["error"] or done.get("error", 0):
            return skip("P0134", f"copying argument {param.name!r}'s memory failed (error "
                                 f"{entry['error'] or done.get('error')})")
        before[param.name] = _array(folder / "blobs" / entry["before"], param)
        after[param.name] = _array(folder / "blobs" / done["file"], param)
        memory[param.name] = entry["kind"]
        if not before[param.name].size:
            return skip("P0135", f"argument {param.name!r} points to less than one {param.ctype} "
                                 f"(the last {entry['alloc_bytes'] - entry['offset']} bytes of an allocation)")
    symbols = {}
    for entry in event["symbols"]:
        if entry["name"] in kernel.constants:
            if entry["error"]:
                return skip("P0134", f"reading __constant__ {entry['name']!r} failed (error {entry['error']})")
            symbols[entry["name"]] = np.fromfile(folder / "blobs" / entry["file"], dtype=np.uint8)
    return Launch(name, number, event["seq"], tuple(event["grid"]), tuple(event["block"]), event["shared"],
                  event["stream"], scalars, before, after, symbols, memory)


def _scalar(param: ParamLayout, data: bytes) -> int | float:
    value = np.frombuffer(data, dtype=DTYPES[param.dtype].storage, count=1)[0]
    if param.dtype == "bfloat16":
        from porter.golden.dtypes import bf16_to_f32
        return float(bf16_to_f32(np.array([value]))[0])
    return float(value) if param.is_float else int(value)


def _array(path: Path, param: ParamLayout) -> np.ndarray:
    """The memory from the pointer to the allocation's end, as whole elements of the pointee."""
    storage = np.dtype(DTYPES[param.dtype].storage)
    data = path.read_bytes()
    element = storage.itemsize * param.lanes
    return np.frombuffer(data[: len(data) // element * element], dtype=storage).copy()
