"""The acceptance pipeline: every check a candidate must pass, in order, target-neutral.

For one golden kernel spec, the harness owns the trials (shapes, inputs, poison, seeds) and the
clock; the candidate owns only the kernel. The order of checks (the first failure rejects):

  static         per-target rules (guards.py)
  compile        the module imports and defines every kernel the spec launches
  run            every launch of every trial completes, within the time limit
  golden         outputs match: the recorded goldens (GPU-recorded inputs and outputs), then
                 fresh seeds (values change at the same addresses), a heavy-tailed distribution
                 and a held-back odd shape never shown in the prompt; expected outputs of the
                 non-recorded trials come from the deterministic port, itself checked against
                 the goldens first
  poison-rerun   the first trial again with its output buffers poisoned differently (finite
                 garbage instead of NaN): outputs must be bit-identical
  inputs         input buffers are unchanged after every trial
  noop           the module with every kernel body replaced by ``pass`` must change the outputs
  timing-floor   where a time is measured, it must not beat bytes/peak bandwidth nor
                 flops/peak compute (an impossible time is a rejection, not a win)
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from porter.llm.executor import Executor, RunResult, Trial
from porter.llm.guards import check_static

from porter.check.compare import compare_outputs, poison_left
from porter.golden.dtypes import DTYPES, to_storage
from porter.golden.errors import SpecError
from porter.golden.inputs import buffer_seed, make_inputs
from porter.golden.model import CaseSpec, KernelSpec, ResolvedCase
from porter.golden.resolve import resolve_case
from porter.golden.store import default_store, entry_for, load

CHECKS = ("parse", "static", "compile", "run", "golden", "poison-rerun", "inputs", "noop", "timing-floor")
REFERENCE = "deterministic-port"

Timer = Callable[[str, RunResult], "float | None"]


@dataclass(frozen=True)
class Peaks:
    """A device's peak memory bandwidth (bytes/s) and compute (flop/s): the floor of any timing."""

    name: str
    bandwidth: float
    flops: float


@dataclass(frozen=True)
class CheckOutcome:
    check: str
    passed: bool
    detail: str = ""

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class CandidateReport:
    name: str
    code: str = field(repr=False)
    accepted: bool = False
    rejected_by: str | None = None
    reason: str = ""
    checks: list[CheckOutcome] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    seconds: float | None = None
    speedup: float | None = None
    worst_error: tuple[float, float] | None = None  # (max abs, max rel) over the golden trials
    origin: dict = field(default_factory=dict)  # model, prompt hash, round, sample, store key

    @property
    def code_sha256(self) -> str:
        return hashlib.sha256(self.code.encode()).hexdigest()

    def passed(self, check: str, detail: str = "") -> None:
        self.checks.append(CheckOutcome(check, True, detail))

    def reject(self, check: str, detail: str) -> CandidateReport:
        self.checks.append(CheckOutcome(check, False, detail))
        self.accepted, self.rejected_by, self.reason = False, check, detail
        return self

    def to_json(self) -> dict:
        return {"name": self.name, "accepted": self.accepted, "rejected_by": self.rejected_by,
                "reason": self.reason, "code_sha256": self.code_sha256, "flags": self.flags,
                "seconds": self.seconds, "speedup": self.speedup, "worst_error": self.worst_error,
                "origin": self.origin, "checks": [c.to_json() for c in self.checks]}


class HarnessError(Exception):
    pass


class Harness:
    """Validates candidates of one target for one kernel spec against its goldens."""

    def __init__(self, spec: KernelSpec, executor: Executor, reference: str, *, store=None,
                 seeds: tuple[int, ...] = (1001,), heavy_tailed: bool = True, held_out: bool = True,
                 peaks: Peaks | None = None, flops: float = 0.0, timer: Timer | None = None):
        self.spec = spec
        self.executor = executor
        self.reference_source = reference
        self.store = store if store is not None else default_store(spec.path)
        self.seeds, self.heavy_tailed, self.held_out = seeds, heavy_tailed, held_out
        self.peaks, self.flops = peaks, flops
        self.timer = timer or (lambda name, result: result.seconds)
        self.notes: list[str] = []
        self.trials: list[Trial] = []
        self.expected: list[dict[str, np.ndarray]] = []
        self.reference: CandidateReport | None = None

    @property
    def target(self) -> str:
        return self.executor.target

    @property
    def prompt_case(self) -> CaseSpec:
        """The one case whose sizes the prompt shows; every other trial stays out of the prompt."""
        return self.spec.cases[0]

    # -- trials ---------------------------------------------------------------------------------
    def prepare(self) -> CandidateReport:
        """Build the trials and run the deterministic port on them (it must match the goldens)."""
        if self.reference is not None:
            return self.reference
        goldens = self._golden_trials()
        base = resolve_case(self.spec, self.prompt_case)
        extra = [Trial(f"seed {s}", "seed", _reseed(base, s), make_inputs(_reseed(base, s))) for s in self.seeds]
        if self.heavy_tailed:
            case = _reseed(base, 7919)
            extra.append(Trial("heavy-tailed", "heavy-tailed", case, _heavy_tailed(self.spec, case)))
        if self.held_out:
            held = self._held_out_case(base)
            if held is not None:
                extra.append(Trial(f"held-out {_sizes(held)}", "held-out", held, make_inputs(held)))
        first = goldens[0][0] if goldens else extra[0]
        trials = [t for t, _ in goldens] + extra + [_poison_b(self.spec, first)]
        result = self.executor.run(self.reference_source, trials, time_it=self.executor.can_time)
        if not result.ok:
            raise HarnessError(f"the deterministic port fails to run ({result.stage}): {result.error}")
        for (trial, golden), outputs in zip(goldens, result.outputs):
            comparison = compare_outputs(self.spec, golden, outputs)
            if not comparison.ok:
                raise HarnessError(f"the deterministic port does not match the golden {trial.name}: "
                                   f"{comparison.detail}")
        expected = [g for _, g in goldens] + result.outputs[len(goldens):]
        kept = [(t, e) for t, e in zip(trials, expected) if t.kind in ("golden", "poison-b")
                or not self._near_constant(e, t)]
        self.trials, self.expected = [t for t, _ in kept], [e for _, e in kept]
        self.reference = CandidateReport(REFERENCE, self.reference_source, accepted=True)
        self.reference.seconds = self.timer(REFERENCE, result)
        if not goldens:
            self.notes.append("no fresh recorded goldens: checked against the deterministic port only")
        return self.reference

    def _golden_trials(self) -> list[tuple[Trial, dict[str, np.ndarray]]]:
        found = []
        for case in self.spec.cases:
            entry = entry_for(self.spec, case, self.store)
            if entry.status != "fresh":
                self.notes.append(f"golden {case.name} is {entry.status}; not used")
                continue
            golden = load(self.store, self.spec.name, case.name)
            found.append((Trial(f"golden {case.name}", "golden", resolve_case(self.spec, case), golden.inputs),
                          golden.outputs))
        return found

    def _held_out_case(self, base: ResolvedCase) -> ResolvedCase | None:
        """Odd, non-power-of-two sizes (about a third of the prompt's), except sizes that set the block."""
        fixed = {name for launch in self.spec.launches for e in (*launch.block, launch.shared_bytes)
                 for name in _names(e)}
        sizes = {k: (v if k in fixed or v < 8 else max(3, (v // 3) | 1)) for k, v in base.sizes}
        try:
            return resolve_case(self.spec, CaseSpec("held-out", tuple(sizes.items()), base.seed + 17))
        except SpecError as error:
            self.notes.append(f"no held-out shape: {error}")
            return None

    def _near_constant(self, outputs: dict[str, np.ndarray], trial: Trial) -> bool:
        """A trial whose outputs barely vary tells nothing apart (a constant shortcut would pass it)."""
        for buffer in (b for b in self.spec.buffers if b.is_output):
            values = outputs[buffer.name].astype(np.float64, copy=False).reshape(-1)
            finite = values[np.isfinite(values)]
            if finite.size > 1 and np.ptp(finite) > self.spec.tolerance(buffer).atol * 10:
                return False
        self.notes.append(f"trial {trial.name} dropped: its outputs are near-constant")
        return True

    # -- the checks -------------------------------------------------------------------------------
    def evaluate(self, code: str, name: str, origin: dict | None = None) -> CandidateReport:
        self.prepare()
        report = CandidateReport(name, code, origin=origin or {})
        dtypes = frozenset(b.dtype for b in self.spec.buffers)
        guards = check_static(code, self.target, buffer_dtypes=dtypes)
        report.flags = [str(f) for f in guards.flags]
        if not guards.ok:
            return report.reject("static", "; ".join(str(f) for f in guards.rejections))
        report.passed("static", f"{len(report.flags)} flags" if report.flags else "")
        result = self.executor.run(code, self.trials, time_it=self.executor.can_time)
        if result.stage == "compile":
            return report.reject("compile", result.error)
        report.passed("compile")
        if not result.ok:
            return report.reject("run", result.error or result.stage)
        report.passed("run", f"{len(self.trials)} trials in {result.wall:.2f} s")
        return self._outputs(report, result) or self._noop(report, result) or self._timing(report, result)

    def _outputs(self, report: CandidateReport, result: RunResult) -> CandidateReport | None:
        worst_abs = worst_rel = 0.0
        for trial, expected, actual in zip(self.trials, self.expected, result.outputs):
            if trial.kind == "poison-b":
                continue
            comparison = compare_outputs(self.spec, expected, actual)
            unwritten = poison_left(self.spec, actual) if trial.kind == "golden" else ""
            if unwritten or not comparison.ok:
                return report.reject("golden", f"{trial.name}: " + "; ".join(x for x in (unwritten, comparison.detail)
                                                                             if x))
            worst_abs, worst_rel = max(worst_abs, comparison.max_abs_err), max(worst_rel, comparison.max_rel_err)
        report.worst_error = (worst_abs, worst_rel)
        report.passed("golden", f"{sum(t.kind != 'poison-b' for t in self.trials)} trials; worst abs "
                      f"{worst_abs:.3g}, rel {worst_rel:.3g}")
        first = next(i for i, t in enumerate(self.trials) if t.kind != "poison-b")
        rerun = next(i for i, t in enumerate(self.trials) if t.kind == "poison-b")
        differs = [b.name for b in self.spec.buffers if b.is_output and
                   result.outputs[first][b.name].tobytes() != result.outputs[rerun][b.name].tobytes()]
        if differs:
            return report.reject("poison-rerun", f"outputs {', '.join(differs)} differ when the output buffers "
                                 "start from other garbage: the kernel reads memory it never wrote")
        report.passed("poison-rerun")
        for trial, actual in zip(self.trials, result.outputs):
            changed = [b.name for b in self.spec.buffers if b.role == "in" and
                       np.asarray(trial.inputs[b.name]).tobytes() != actual[b.name].tobytes()]
            if changed:
                return report.reject("inputs", f"{trial.name}: the candidate modified input {', '.join(changed)}")
        report.passed("inputs")
        return None

    def _noop(self, report: CandidateReport, result: RunResult) -> CandidateReport | None:
        stubbed = stub_kernels(report.code, self.target)
        if stubbed is None:
            return report.reject("noop", "found no kernel function to replace with a no-op")
        first = next(i for i, t in enumerate(self.trials) if t.kind != "poison-b")
        noop = self.executor.run(stubbed, [self.trials[first]])
        if not noop.ok:
            return report.reject("noop", f"the module does not run with its kernels stubbed out ({noop.stage}: "
                                 f"{noop.error})")
        same = all(noop.outputs[0][b.name].tobytes() == result.outputs[first][b.name].tobytes()
                   for b in self.spec.buffers if b.is_output)
        if same:
            return report.reject("noop", "outputs are unchanged with every kernel body replaced by `pass`: the "
                                 "work is done outside the kernel")
        report.passed("noop")
        return None

    def _timing(self, report: CandidateReport, result: RunResult) -> CandidateReport:
        seconds = self.timer(report.name, result)
        report.accepted = True
        if seconds is None:
            report.passed("timing-floor", "not timed: no GPU (correctness only; it cannot win on speed)")
            return report
        floor = self.floor()
        if floor is not None and seconds < floor:
            report.accepted = False
            return report.reject("timing-floor", f"{seconds:.3g} s is below the floor of {floor:.3g} s "
                                 f"({self._floor_detail()}): impossible, so not a speed-up")
        report.seconds = seconds
        base = self.reference.seconds if self.reference else None
        report.speedup = round(base / seconds, 4) if base and seconds > 0 else None
        report.passed("timing-floor", f"{seconds:.3g} s" + (f" >= floor {floor:.3g} s" if floor else
                                                           " (no peaks known: floor not checked)"))
        return report

    def floor(self) -> float | None:
        if self.peaks is None:
            return None
        return max(self.bytes_moved() / self.peaks.bandwidth, self.flops / self.peaks.flops if self.flops else 0.0)

    def bytes_moved(self) -> int:
        """At least: read every input once, write every output once (inout: both)."""
        case = self.trials[0].case
        per_role = {"in": 1, "out": 1, "inout": 2}
        return sum(per_role[b.role] * b.count * DTYPES[b.dtype].itemsize for b in case.buffers)

    def _floor_detail(self) -> str:
        assert self.peaks is not None
        return (f"{self.bytes_moved()} bytes at {self.peaks.bandwidth:.3g} B/s, {self.flops:.3g} flop at "
                f"{self.peaks.flops:.3g} flop/s on {self.peaks.name}")


# -- helpers ------------------------------------------------------------------------------------
def stub_kernels(code: str, target: str) -> str | None:
    """The module with the body of every kernel function replaced by ``pass``."""
    if target == "hip":
        return None  # a HIP executor would stub __global__ bodies; none is built yet
    markers = {"triton": ("jit",), "nki": ("jit",), "pallas": ()}[target]
    tree = ast.parse(code)
    stubbed = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            names = [_last(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list]
            pallas_body = target == "pallas" and node.name.endswith("kernel")
            if any(n in markers for n in names) or pallas_body:
                node.body = [ast.Pass()]
                stubbed += 1
    return ast.unparse(tree) if stubbed else None


def _last(node: ast.AST) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


def _names(expression) -> set[str]:
    return set(__import__("re").findall(r"[A-Za-z_]\w*", expression)) if isinstance(expression, str) else set()


def _reseed(case: ResolvedCase, seed: int) -> ResolvedCase:
    return dataclasses.replace(case, case=f"{case.case}~{seed}", seed=seed)


def _sizes(case: ResolvedCase) -> str:
    return ",".join(f"{k}={v}" for k, v in case.sizes)


def _heavy_tailed(spec: KernelSpec, case: ResolvedCase) -> dict[str, np.ndarray]:
    """Student-t (2 degrees of freedom) values, scaled like the spec's own, in float inputs."""
    inputs = make_inputs(case)
    for buffer in case.buffers:
        params = dict(buffer.init.params)
        if buffer.role == "out" or buffer.init.kind not in ("normal", "uniform"):
            continue
        scale = params.get("std") or (params.get("high", 1.0) - params.get("low", -1.0)) / 4
        rng = np.random.default_rng(buffer_seed(case.kernel, case.case, buffer.name, 7919))
        values = rng.standard_t(2, buffer.count) * scale
        inputs[buffer.name] = to_storage(values, buffer.dtype).reshape(buffer.shape)
    return inputs


def _poison_b(spec: KernelSpec, trial: Trial) -> Trial:
    """The first trial again, its poison-initialised outputs filled with finite garbage instead."""
    inputs = dict(trial.inputs)
    rng = np.random.default_rng(0xBAD)
    for buffer in trial.case.buffers:
        if buffer.role == "out" and buffer.init.kind == "poison" and DTYPES[buffer.dtype].is_float:
            garbage = rng.uniform(-1e3, 1e3, buffer.count)
            inputs[buffer.name] = garbage.astype(DTYPES[buffer.dtype].numpy).reshape(buffer.shape)
        elif buffer.role == "out" and buffer.init.kind == "poison":
            inputs[buffer.name] = rng.integers(0, 255, buffer.count * DTYPES[buffer.dtype].itemsize,
                                               dtype=np.uint8).view(DTYPES[buffer.dtype].numpy).reshape(buffer.shape)
    return Trial(f"{trial.name} (other poison)", "poison-b", trial.case, inputs)
