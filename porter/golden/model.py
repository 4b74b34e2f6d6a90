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
    base: str = ""  # init = "file": the spec's folder (never hashed; see porter.golden.datafiles)

    def param(self, name: str) -> Expr | None:
        return dict(self.params).get(name)


@dataclass(frozen=True)
class BufferSpec:
    name: str
    dtype: str
    shape: tuple[Expr, ...]
    role: str
    init: InitSpec
    rtol: Expr | None = None  # format 2: an expression over the case's sizes
    atol: Expr | None = None
    undefined: tuple[tuple[Expr, Expr], ...] = ()  # format 2: [start, stop) ranges of the flat index

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
class StepSpec:
    """One step of a format-2 program: a launch, a host operation, a swap, or a loop of steps.

    ``op`` is "launch" (``launch``: index into KernelSpec.launches), "memset" (``buffer``, byte
    ``value``), "memcpy" (``buffer`` <- ``source``, device to device), "symbol" (``__constant__``
    ``symbol`` <- ``source``), "swap" (``buffer`` <-> ``source``) or "loop" (``count`` times ``body``,
    then each pair of ``swaps``).
    """

    op: str
    line: int = 0  # where the step starts in the TOML text (0: unknown)
    launch: int = -1
    buffer: str = ""
    source: str = ""
    symbol: str = ""
    value: Expr = 0
    count: Expr = 1
    body: tuple[StepSpec, ...] = ()
    swaps: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Nondeterminism:
    """``nondeterministic``: why outputs vary run to run and how a golden is compared.

    ``compare = "repeat"``: the recorder runs the case ``runs`` times and the spread it sees widens
    the tolerance; ``compare = "exclude"``: the named ``buffers`` (default: every output) are not
    compared, for ``reason``.
    """

    kind: str  # "atomics" | "race"
    compare: str = "repeat"
    runs: int = 3
    buffers: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class CaseSpec:
    name: str
    sizes: tuple[tuple[str, int], ...]
    seed: int = 0
    defines: tuple[tuple[str, Expr], ...] = ()  # format 2: this case's -D (override the spec's)

    @property
    def size_map(self) -> dict[str, int]:
        return dict(self.sizes)


@dataclass(frozen=True)
class Tolerance:
    rtol: Expr  # a number; format 2 also an expression over the case's sizes ("k * 2**-23 * 4")
    atol: Expr


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
    format: int = 1
    defines: tuple[tuple[str, Expr], ...] = ()  # format 2: -D for every case
    steps: tuple[StepSpec, ...] = ()  # format 2: the program; empty means the launches in order
    symbols: tuple[str, ...] = ()  # __constant__ symbols the steps write
    nondeterministic: Nondeterminism | None = None
    launch_keys: tuple[str, ...] = ()  # format 2 steps: the TOML key of each launch ("step[2].body[0]")

    def launch_key(self, index: int) -> str:
        return self.launch_keys[index] if self.launch_keys else f"launch[{index}]"

    def buffer(self, name: str) -> BufferSpec | None:
        return next((b for b in self.buffers if b.name == name), None)

    @property
    def instances(self) -> tuple[str, ...]:
        """The template instances the launches name (``reduce_sum<256>``), for ``instantiate=``;
        a name with ``{expr}`` arguments gives one instance per case (format 2)."""
        from porter.golden.templates import instances  # a name per case needs the cases' sizes
        return instances(self)

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
class ResolvedStep:
    """A StepSpec with numbers: ``value`` a byte, ``count`` an iteration count."""

    op: str
    launch: int = -1
    buffer: str = ""
    source: str = ""
    symbol: str = ""
    value: int = 0
    count: int = 1
    body: tuple[ResolvedStep, ...] = ()
    swaps: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ResolvedCase:
    """One case with every expression evaluated: what the recorder and a checker run.

    The fields after ``launches`` are format 2's; at their defaults they are left out of the
    canonical JSON (:func:`porter.golden.resolve.canonical_json`), so format-1 hashes never change.
    Geometry that uses ``sm_count`` stays an expression text until :func:`porter.golden.program.
    bind_device` gives the device's count.
    """

    kernel: str
    case: str
    seed: int
    sizes: tuple[tuple[str, int], ...]
    buffers: tuple[ResolvedBuffer, ...]
    scalars: tuple[tuple[str, int | float], ...]
    launches: tuple[ResolvedLaunch, ...]
    defines: tuple[tuple[str, int | float], ...] = ()
    steps: tuple[ResolvedStep, ...] = ()  # empty: the launches in order
    undefined: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = ()
    tolerances: tuple[tuple[str, float, float], ...] = ()  # (buffer, rtol, atol) from expressions
    sm_count: int | None = None

    def buffer(self, name: str) -> ResolvedBuffer:
        return next(b for b in self.buffers if b.name == name)

    @property
    def program(self) -> tuple[ResolvedStep, ...]:
        """The steps, or one launch step per launch for a spec without steps."""
        return self.steps or tuple(ResolvedStep("launch", launch=i) for i in range(len(self.launches)))
