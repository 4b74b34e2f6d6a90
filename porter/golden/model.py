"""The frozen data of a golden spec (what ``NAME.toml`` says) and of a resolved case (numbers)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from porter.golden.dtypes import DTYPES

Expr = int | float | str  # a number, or an expression over the case's sizes (see expr.py)

ROLES = ("in", "out", "inout")


@dataclass(frozen=True)
class InitSpec:
    kind: str
    params: tuple[tuple[str, Expr], ...] = ()

    def param(self, name: str) -> Expr | None:
        return dict(self.params).get(name)


@dataclass(frozen=True)
class BufferSpec:
    name: str
    dtype: str
    shape: tuple[Expr, ...]
    role: str
    init: InitSpec
    rtol: float | None = None
    atol: float | None = None

    @property
    def is_output(self) -> bool:
        return self.role in ("out", "inout")


@dataclass(frozen=True)
class ScalarSpec:
    name: str
    value: Expr


@dataclass(frozen=True)
class LaunchSpec:
    kernel: str  # the kernel's name, with template arguments if any: "reduce<256>"
    grid: tuple[Expr, ...]
    block: tuple[Expr, ...]
    shared_bytes: Expr
    args: tuple[str, ...]

    @property
    def base_name(self) -> str:
        return self.kernel.split("<", 1)[0].strip()


@dataclass(frozen=True)
class CaseSpec:
    name: str
    sizes: tuple[tuple[str, int], ...]
    seed: int = 0

    @property
    def size_map(self) -> dict[str, int]:
        return dict(self.sizes)


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float


@dataclass(frozen=True)
class KernelSpec:
    name: str  # the spec's stem: golden/kernels/saxpy.toml -> "saxpy"
    path: Path  # the .toml
    source: Path  # the .cu
    description: str
    category: str
    buffers: tuple[BufferSpec, ...]
    scalars: tuple[ScalarSpec, ...]
    launches: tuple[LaunchSpec, ...]
    cases: tuple[CaseSpec, ...]
    tolerances: tuple[tuple[str, Tolerance], ...] = ()

    def buffer(self, name: str) -> BufferSpec | None:
        return next((b for b in self.buffers if b.name == name), None)

    @property
    def instances(self) -> tuple[str, ...]:
        """The template instances the launches name (``reduce_sum<256>``), for ``instantiate=``."""
        return tuple(sorted({launch.kernel for launch in self.launches if "<" in launch.kernel}))

    def scalar(self, name: str) -> ScalarSpec | None:
        return next((s for s in self.scalars if s.name == name), None)

    def case(self, name: str) -> CaseSpec | None:
        return next((c for c in self.cases if c.name == name), None)

    def tolerance(self, buffer: BufferSpec) -> Tolerance:
        """rtol/atol for comparing a port's ``buffer``: the buffer's own, the spec's, the dtype's."""
        base = dict(self.tolerances).get(buffer.dtype)
        default = base or Tolerance(DTYPES[buffer.dtype].rtol, DTYPES[buffer.dtype].atol)
        return Tolerance(buffer.rtol if buffer.rtol is not None else default.rtol,
                         buffer.atol if buffer.atol is not None else default.atol)


@dataclass(frozen=True)
class ResolvedBuffer:
    name: str
    dtype: str
    shape: tuple[int, ...]
    role: str
    init: InitSpec  # params evaluated to numbers

    @property
    def count(self) -> int:
        total = 1
        for extent in self.shape:
            total *= extent
        return total


@dataclass(frozen=True)
class ResolvedLaunch:
    kernel: str
    grid: tuple[int, int, int]
    block: tuple[int, int, int]
    shared_bytes: int
    args: tuple[str, ...]


@dataclass(frozen=True)
class ResolvedCase:
    """One case with every expression evaluated: what the recorder and a checker run."""

    kernel: str
    case: str
    seed: int
    sizes: tuple[tuple[str, int], ...]
    buffers: tuple[ResolvedBuffer, ...]
    scalars: tuple[tuple[str, int | float], ...]
    launches: tuple[ResolvedLaunch, ...]

    def buffer(self, name: str) -> ResolvedBuffer:
        return next(b for b in self.buffers if b.name == name)
