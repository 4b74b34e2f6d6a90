"""What one run of a kernel under porter's NKI model remembers: options, loops, engine registers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from porter.backends.nki.model.tensor import PMAX


@dataclass
class Trace:
    """Which loop kinds a run used (``affine_range``/``sequential_range``/``static_range``) and
    how many times each nki.isa instruction ran."""

    loops: list[tuple[str, int]] = field(default_factory=list)
    instructions: dict[str, int] = field(default_factory=dict)

    def count(self, instruction: str) -> None:
        self.instructions[instruction] = self.instructions.get(instruction, 0) + 1


@dataclass
class RunState:
    check_uninitialized: bool = False
    trace: Trace = field(default_factory=Trace)
    # Scalar Engine's reduce_regs: one 32-bit register per partition. Their value before any
    # reset is undocumented; the model starts them as NaN so an unreset read shows.
    reduce_regs: np.ndarray = field(default_factory=lambda: np.full(PMAX, np.nan, dtype=np.float32))


_current = RunState()


def current() -> RunState:
    return _current


def begin(check_uninitialized: bool) -> RunState:
    global _current
    _current = RunState(check_uninitialized=check_uninitialized)
    return _current
