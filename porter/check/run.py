"""Drive the checks: find the kernel specs, refuse goldens that are not fresh, ask each backend's checker.

A golden that is stale, missing, corrupt or unhashed gives ``error`` for its case (with the reason)
on every backend; the other cases and kernels still run.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Protocol

from porter.check.machine import Machine
from porter.check.records import ERROR, CheckRecord
from porter.golden.record import selected_cases
from porter.golden.spec import discover, load_spec
from porter.golden.store import default_store, open_case

#: backend -> "module:class" of its checker. Backends without a checker are not checkable yet.
CHECKERS = {"hip": "porter.check.hip:HipChecker",
            "triton": "porter.check.triton:TritonChecker",
            "pallas": "porter.check.pallas:PallasChecker",
            "nki": "porter.check.nki:NkiChecker"}
DEFAULT_PATHS = (Path(__file__).resolve().parents[2] / "golden" / "kernels",)


def checker_for(backend: str, machine: Machine):
    module_name, class_name = CHECKERS[backend].split(":")
    return getattr(importlib.import_module(module_name), class_name)(machine)


def check(paths: Iterable[Path] = (), backends: Iterable[str] = ("hip",), case_glob: str | None = None,
          machine: Machine | None = None, store: Path | None = None,
          on_records: Callable[[list[CheckRecord]], None] | None = None,
          progress: CheckProgress | None = None, keep: Callable | None = None) -> list[CheckRecord]:
    """Check every selected case of every spec under ``paths`` on every backend; records as data.

    ``on_records`` gets each kernel's records as it finishes; ``progress`` is told the number of
    selected cases, then, as each kernel finishes (in any order), its number of cases and records.
    The records come back in the order of the specs whatever order the kernels finish in.
    ``keep(spec, case)``, when given, narrows the cases further (e.g. to one shard: porter.check.shards).
    """
    machine = machine or Machine(Path.cwd() / ".porter-check")
    checkers = [checker_for(b, machine) for b in backends]
    for tool in ("hipcc", "nvcc", "gpu"):  # find the tools once, before the worker threads
        getattr(machine, tool)
    specs = [load_spec(p) for p in discover(list(paths) or DEFAULT_PATHS)]

    def chosen(spec) -> list:
        return [case for case in selected_cases(spec, case_glob) if keep is None or keep(spec, case)]

    specs = [s for s in specs if chosen(s)]

    def one_kernel(spec) -> list[CheckRecord]:
        fresh, problems = _goldens(spec, chosen(spec), store or default_store(spec.path))
        produced = [CheckRecord(f"{spec.name}/{case}", c.name, "golden", ERROR, why)
                    for case, why in problems for c in checkers]
        for checker in checkers if fresh else ():
            produced += checker.check_kernel(spec, fresh)
        return produced

    if progress is not None:
        progress.start(sum(len(chosen(s)) for s in specs))
    produced_by: dict[int, list[CheckRecord]] = {}
    # Kernels are independent: compile and run several at once (each run is its own process).
    with ThreadPoolExecutor(max(1, min(8, (os.cpu_count() or 2) // 2))) as pool:
        futures = {pool.submit(one_kernel, spec): number for number, spec in enumerate(specs)}
        for future in as_completed(futures):
            number = futures[future]
            produced_by[number] = produced = future.result()
            if on_records is not None:
                on_records(produced)
            if progress is not None:
                progress.advance(len(chosen(specs[number])), produced)
    return [record for number in range(len(specs)) for record in produced_by[number]]


class CheckProgress(Protocol):
    def start(self, total_cases: int) -> None: ...

    def advance(self, cases: int, records: list[CheckRecord]) -> None: ...


def _goldens(spec, cases, store: Path):
    fresh, problems = [], []
    for case in cases:
        entry, golden = open_case(spec, case, store)
        if golden is None:
            again = "" if entry.status == "unhashed" else " (record it again: porter golden record)"
            problems.append((case.name, f"golden is {entry.status}" + (f": {entry.reason}" if entry.reason else "")
                             + again))
            continue
        fresh.append((case, golden))
    return fresh, problems
