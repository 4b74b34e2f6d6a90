"""The acceptance pipeline: every check a candidate must pass, in order, target-neutral.

For one golden kernel spec, the harness owns the trials (shapes, inputs, poison, seeds) and the
clock; the candidate owns only the kernel. The order of checks (the first failure rejects):

  parse          the answer holds one module (the loop checks it, before the harness)
  static         per-target rules (guards.py)
  compile        the module imports and defines every kernel the spec launches
  run            every launch of every trial completes, within the time limit
  host-compute   the launcher computed nothing on tensors itself (the executor watches it)
  integrity      the candidate left the executor's own functions and the checked outputs alone
  bounds         nothing was written past the end of any buffer (guard zones after each)
  golden         outputs match, trial by trial: the recorded goldens (GPU-recorded inputs and
                 outputs), fresh seeds (values change at the same addresses), a heavy-tailed
                 distribution, then trials drawn from a per-run secret (:mod:`porter.llm.trials`):
                 an odd shape (prime sizes), a shape far larger than the prompt's, special values
                 (NaN, infinities, -0.0, denormals, extremes: compared bit for bit where the port
                 is bit-exact against the goldens) and in-out buffers from random contents; on
                 the CPU interpreter some trials run their programs in reverse or shuffled order.
                 Across trials: outputs identical where the expected outputs differ reject too
                 (a constant answer passes no trial, however small its outputs). Expected outputs
                 of the non-recorded trials come from the deterministic port, itself checked against
                 the goldens first (or, for a kernel the passes refuse, from the CUDA source on
                 porter's CPU reference executor: ``expected_from="cuda-reference"``)
  poison-rerun   the first trial again with its output buffers poisoned differently (finite
                 garbage instead of NaN), in another program order: outputs must be bit-identical
                 (within tolerance where the port's own outputs depend on the order: atomics)
  inputs         input buffers are unchanged after every trial
  noop           the module with every kernel body replaced by ``pass`` must change the outputs
  timing-floor   where a time is measured, it must not beat bytes/peak bandwidth nor
                 flops/peak compute (an impossible time is a rejection, not a win)

Any exception in porter's own code while judging a candidate rejects it (check "internal", with
the exception's type and message); it never ends the run.
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from porter.llm.executor import Executor, RunResult, Trial
from porter.llm.guards import check_static
from porter.llm.trials import CPU_LARGE, GPU_LARGE, large_cases, odd_case, shuffle_order, special_inputs, varied_inout

from porter.check.compare import as_float64, compare_outputs, poison_left
from porter.golden.dtypes import DTYPES, to_storage
from porter.golden.inputs import buffer_seed, make_inputs
from porter.golden.model import CaseSpec, KernelSpec, ResolvedCase
from porter.golden.resolve import resolve_case
from porter.golden.store import default_store, entry_for, load

CHECKS = ("parse", "static", "compile", "run", "host-compute", "integrity", "bounds", "golden", "poison-rerun",
          "inputs", "noop", "timing-floor")
#: Not a check of the order: porter itself failed while judging the candidate (which is rejected).
INTERNAL = "internal"
#: The watched run's findings (executor RunResult fields), in the order they are checked.
WATCHED = (("host-compute", "host_compute", "the launcher computed on tensors itself"),
           ("integrity", "tampering", "the candidate tampered with the executor"),
           ("bounds", "guard_violations", "out-of-bounds writes"))
REFERENCE = "deterministic-port"
CUDA_REFERENCE = "cuda-reference"
#: Where expected outputs of the non-recorded trials come from: the deterministic port, or (for a
#: kernel the passes refuse, see :mod:`porter.llm.fill`) the CUDA source on porter's CPU reference.
EXPECTED_FROM = ("port", "cuda-reference")

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
                 peaks: Peaks | None = None, flops: float = 0.0, timer: Timer | None = None,
                 expected_from: str = "port", secret: int | None = None, special: bool = True,
                 varied: bool = True, large_budget: int | None = None):
        """``secret`` seeds every drawn trial; by default a fresh ``secrets.randbits(64)`` per harness,
        never shown (tests pass one to reproduce a run). ``large_budget``: the most elements of the
        large held-out trial (default :data:`~porter.llm.trials.CPU_LARGE` on the CPU interpreter,
        :data:`~porter.llm.trials.GPU_LARGE` on a GPU)."""
        if expected_from not in EXPECTED_FROM:
            raise ValueError(f"expected_from={expected_from!r}: one of {', '.join(EXPECTED_FROM)}")
        self.expected_from = expected_from
        self.spec = spec
        self.executor = executor
        self.reference_source = reference
        self.store = store if store is not None else default_store(spec.path)
        self.seeds, self.heavy_tailed, self.held_out = seeds, heavy_tailed, held_out
        self.special, self.varied = special, varied
        self._secret = secrets.randbits(64) if secret is None else secret
        self.secret_given = secret is not None
        self.interpreted = bool(getattr(executor, "interpret", not executor.can_time))
        self.large_budget = large_budget or (CPU_LARGE if self.interpreted else GPU_LARGE)
        self.exact = False  # the port is bit-exact against every golden: special values compared bitwise
        self.rerun_exact = True  # the port's outputs do not depend on program order or poison
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
        trials = [t for t, _ in goldens] + self.build_trials(goldens[0][0] if goldens else None)
        if self.expected_from == "cuda-reference":
            return self._prepare_from_cuda(goldens, trials)
        result = self.executor.run(self.reference_source, trials, time_it=self.executor.can_time)
        if not result.ok:
            raise HarnessError(f"the deterministic port fails to run ({result.stage}): {result.error}")
        exact = bool(goldens)
        for (trial, golden), outputs in zip(goldens, result.outputs):
            comparison = compare_outputs(self.spec, golden, outputs)
            if not comparison.ok:
                raise HarnessError(f"the deterministic port does not match the golden {trial.name}: "
                                   f"{comparison.detail}")
            exact = exact and comparison.max_abs_err == 0
        self.exact = exact
        self.notes.append("special values compared " + ("bit for bit: the port is bit-exact against the goldens"
                                                        if exact else "within tolerance (NaN and infinities in "
                                                        "place): the port is not bit-exact against the goldens"))
        first, rerun = _first(trials), _rerun(trials)
        self.rerun_exact = all(result.outputs[first][b.name].tobytes() == result.outputs[rerun][b.name].tobytes()
                               for b in self.spec.buffers if b.is_output)
        if not self.rerun_exact:
            self.notes.append("the port's own outputs change with the program order: the poison rerun is "
                              "compared within tolerance")
        self.trials, self.expected = trials, [g for _, g in goldens] + result.outputs[len(goldens):]
        self.reference = CandidateReport(REFERENCE, self.reference_source, accepted=True)
        self.reference.seconds = self.timer(REFERENCE, result)
        if not goldens:
            self.notes.append("no fresh recorded goldens: checked against the deterministic port only")
        return self.reference

    def _prepare_from_cuda(self, goldens, trials: list[Trial]) -> CandidateReport:
        """No port to trust: expected outputs of the non-recorded trials come from the CUDA source run
        by porter's CPU reference executor, itself checked against every recorded golden first."""
        if not goldens:
            raise HarnessError(f"{self.spec.name} has no fresh recorded golden: without goldens nothing "
                               "model-written is ever kept")
        kept, expected = [t for t, _ in goldens], [g for _, g in goldens]
        for trial, outputs in zip(trials[len(goldens):], cuda_reference_outputs(self.spec, trials[len(goldens):],
                                                                                goldens, self.notes)):
            if trial.kind == "poison-b":
                kept.append(trial)
                expected.append(goldens[0][1])
            elif outputs is not None:
                kept.append(trial)
                expected.append(outputs)
        self.trials, self.expected = kept, expected
        self.reference = CandidateReport(CUDA_REFERENCE, self.spec.source.read_text(), accepted=True)
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

    def build_trials(self, first: Trial | None) -> list[Trial]:
        """Every trial after the goldens (``first``: the first golden trial), without running any:
        fresh seeds, heavy tails, then what the run's secret draws (shapes, special values, in-out
        contents, program orders), then the poison rerun of the first trial. Trial names never
        carry the drawn sizes (rejection reasons go back to the model); the notes do."""
        rng = np.random.default_rng(self._secret)
        self.notes.append("held-out trials drawn from " + ("a given seed" if self.secret_given else
                                                           "a per-run secret (not recorded)"))
        base = resolve_case(self.spec, self.prompt_case)
        trials = [Trial(f"seed {s}", "seed", _reseed(base, s), make_inputs(_reseed(base, s))) for s in self.seeds]
        if self.heavy_tailed:
            case = _reseed(base, 7919)
            trials.append(Trial("heavy-tailed", "heavy-tailed", case, _heavy_tailed(self.spec, case)))
        if self.held_out:
            odd = odd_case(self.spec, base, rng, _draw(rng))
            large = large_cases(self.spec, base, rng, self.large_budget)  # two where one shape cannot meet every goal
            for drawn, name, kind in ((odd, "held-out (odd sizes)", "held-out"),
                                      *((d, "held-out (large)" if i == 0 else "held-out (large, other shape)", "large")
                                        for i, d in enumerate(large))):
                if drawn.note:
                    self.notes.append(drawn.note)
                if drawn.case is not None:
                    trials.append(Trial(name, kind, drawn.case, make_inputs(drawn.case)))
                    self.notes.append(f"{name}: {_sizes(drawn.case)}")
        if self.special:
            case = _reseed(base, _draw(rng))
            inputs, chosen = special_inputs(case, rng)
            if chosen:
                trials.append(Trial("special values", "special", case, inputs))
        if self.varied:
            case = _reseed(base, _draw(rng))
            inputs, varied = varied_inout(case, rng)
            if varied:
                trials.append(Trial("in-out from random contents", "inout", case, inputs))
        if first is None and not trials:
            trials.append(Trial("prompt case", "seed", base, make_inputs(base)))
        trials.append(_poison_b(self.spec, first or trials[0]))
        return self._ordered(trials, rng)

    def _ordered(self, trials: list[Trial], rng: np.random.Generator) -> list[Trial]:
        """On the CPU interpreter (programs run one after another), the first seed trial, the in-out
        and the poison rerun run their programs in reverse, the heavy-tailed and the held-out
        shapes shuffled, so a race between programs shows; on a GPU the order is the hardware's."""
        if not self.interpreted or "order" not in {f.name for f in dataclasses.fields(Trial)}:
            return trials
        orders = {"heavy-tailed": None, "held-out": None, "large": None, "inout": "reverse", "poison-b": "reverse"}
        ordered, reversed_seed = [], False
        for trial in trials:
            order = orders.get(trial.kind, "forward")
            if trial.kind == "seed" and not reversed_seed:
                order, reversed_seed = "reverse", True
            ordered.append(dataclasses.replace(trial, order=order or shuffle_order(rng)))
        return ordered

    # -- the checks -------------------------------------------------------------------------------
    def evaluate(self, code: str, name: str, origin: dict | None = None) -> CandidateReport:
        """Every check in order; the first failure rejects. Porter's own failure while judging (an
        exception in the guards, the executor, a comparison, the stubbing) rejects the candidate with
        check "internal" and the exception: it never propagates."""
        self.prepare()
        report = CandidateReport(name, code, origin=origin or {})
        try:
            return self._judge(report)
        except Exception as error:  # noqa: BLE001 -- porter's failure on this candidate, not the run's
            report.seconds = report.speedup = None
            return report.reject(INTERNAL, f"porter failed while judging the candidate: {type(error).__name__}: "
                                 f"{str(error)[:500]}")

    def _judge(self, report: CandidateReport) -> CandidateReport:
        code = report.code
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
        found = [(check, list(getattr(result, attribute, None) or []), what) for check, attribute, what in WATCHED]
        if not result.ok:
            failed = next(((c, f, w) for c, f, w in found if f), None)
            if failed is None:
                return report.reject("run", result.error or result.stage)
            check, findings, what = failed
            return report.reject(check, f"{what}: {_listed(findings)} (and the run failed: {result.error or result.stage})")
        report.passed("run", f"{len(self.trials)} trials in {result.wall:.2f} s")
        for check, findings, what in found:
            if findings:
                return report.reject(check, f"{what}: {_listed(findings)}")
            report.passed(check)
        return self._outputs(report, result) or self._noop(report, result) or self._timing(report, result)

    def _outputs(self, report: CandidateReport, result: RunResult) -> CandidateReport | None:
        if len(result.outputs) != len(self.trials):
            return report.reject("golden", f"the run returned the outputs of {len(result.outputs)} trial(s), not "
                                 f"{len(self.trials)}")
        for trial, actual in zip(self.trials, result.outputs):
            problem = _layout_problem(trial, actual)
            if problem:
                return report.reject("golden", f"{trial.name}: {problem}")
        worst_abs = worst_rel = 0.0
        for trial, expected, actual in zip(self.trials, self.expected, result.outputs):
            if trial.kind == "poison-b":
                continue
            if trial.kind == "special" and self.exact:
                detail = bitwise_mismatch(self.spec, expected, actual)
                if detail:
                    return report.reject("golden", f"{trial.name}: {detail}")
                continue
            comparison = compare_outputs(self.spec, expected, actual)
            unwritten = poison_left(self.spec, actual) if trial.kind == "golden" else ""
            if unwritten or not comparison.ok:
                return report.reject("golden", f"{trial.name}: " + "; ".join(x for x in (unwritten, comparison.detail)
                                                                             if x))
            if trial.kind != "special":  # extremes make huge absolute errors within tolerance
                worst_abs, worst_rel = max(worst_abs, comparison.max_abs_err), max(worst_rel, comparison.max_rel_err)
        same = self._same_across(result)
        if same:
            return report.reject("golden", same)
        report.worst_error = (worst_abs, worst_rel)
        report.passed("golden", f"{sum(t.kind != 'poison-b' for t in self.trials)} trials; worst abs "
                      f"{worst_abs:.3g}, rel {worst_rel:.3g}")
        first, rerun = _first(self.trials), _rerun(self.trials)
        if self.rerun_exact:
            differs = [b.name for b in self.spec.buffers if b.is_output and
                       result.outputs[first][b.name].tobytes() != result.outputs[rerun][b.name].tobytes()]
        else:
            comparison = compare_outputs(self.spec, result.outputs[first], result.outputs[rerun])
            differs = [] if comparison.ok else [comparison.detail]
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

    def _same_across(self, result: RunResult) -> str:
        """Across trials: two trials with the same output shapes and different inputs whose expected
        outputs differ, but whose outputs are the same, bit for bit (a constant, or the previous
        trial's answer). Per-trial tolerances cannot see this where outputs are tiny (one element)."""
        seen: dict[tuple, list[tuple[int, bytes, bytes]]] = {}
        outputs = [b.name for b in self.spec.buffers if b.is_output]
        for index, trial in enumerate(self.trials):
            if trial.kind == "poison-b":
                continue
            actual, expected = result.outputs[index], self.expected[index]
            key = tuple((name, actual[name].shape) for name in outputs)
            got = _digest(actual, outputs)
            want = _digest(expected, outputs)
            for other, got_other, want_other in seen.get(key, []):
                if got == got_other and want != want_other:
                    return (f"{self.trials[other].name} and {trial.name}: the same outputs, bit for bit, where the "
                            "expected outputs differ: the outputs do not depend on the inputs")
            seen.setdefault(key, []).append((index, got, want))
        return ""

    def _noop(self, report: CandidateReport, result: RunResult) -> CandidateReport | None:
        stubbed = stub_kernels(report.code, self.target)
        if stubbed is None:
            return report.reject("noop", "found no kernel function to replace with a no-op")
        first = _first(self.trials)
        noop = self.executor.run(stubbed, [self.trials[first]])
        if not noop.ok:
            return report.reject("noop", f"the module does not run with its kernels stubbed out ({noop.stage}: "
                                 f"{noop.error})")
        if not noop.outputs or _layout_problem(self.trials[first], noop.outputs[0]):
            return report.reject("noop", "the module with its kernels stubbed out returns no usable outputs")
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
def bitwise_mismatch(spec: KernelSpec, expected: dict[str, np.ndarray], actual: dict[str, np.ndarray]) -> str:
    """Where outputs differ bit for bit (any NaN equals any NaN; -0.0 differs from 0.0), or ""."""
    for buffer in (b for b in spec.buffers if b.is_output):
        want, got = np.asarray(expected[buffer.name]).reshape(-1), np.asarray(actual[buffer.name]).reshape(-1)
        bad = want.view(f"u{want.itemsize}") != got.view(f"u{got.itemsize}")
        if DTYPES[buffer.dtype].is_float:
            nan_want, nan_got = np.isnan(as_float64(want, buffer.dtype)), np.isnan(as_float64(got, buffer.dtype))
            bad = (nan_want != nan_got) | (bad & ~nan_want)
        if bad.any():
            flat = int(np.argmax(bad))
            index = list(map(int, np.unravel_index(flat, np.shape(expected[buffer.name]))))
            value = lambda a: as_float64(a[flat:flat + 1], buffer.dtype)[0]  # noqa: E731
            return (f"{buffer.name}{index}: got {value(got)!r}, expected {value(want)!r} ({int(bad.sum())} of "
                    f"{bad.size} elements differ bit for bit; the port is bit-exact on this kernel, so NaN, "
                    "infinities and the sign of zero must match)")
    return ""


def _layout_problem(trial: Trial, actual: dict[str, np.ndarray]) -> str:
    """A buffer missing from a trial's outputs, or of another dtype or size than the harness gave."""
    for buffer in trial.case.buffers:
        got = actual.get(buffer.name)
        want = DTYPES[buffer.dtype].numpy
        if got is None:
            return f"buffer {buffer.name} is missing from the outputs"
        if got.dtype != want or got.size != buffer.count:
            return (f"buffer {buffer.name} came back as {got.size} element(s) of {got.dtype} where {buffer.count} "
                    f"of {want} were given: the candidate changed the buffer's dtype or shape")
    return ""


def _digest(outputs: dict[str, np.ndarray], names: list[str]) -> bytes:
    digest = hashlib.sha256()
    for name in names:
        digest.update(np.ascontiguousarray(outputs[name]).tobytes())
    return digest.digest()


def _first(trials: list[Trial]) -> int:
    return next(i for i, t in enumerate(trials) if t.kind != "poison-b")


def _rerun(trials: list[Trial]) -> int:
    return next(i for i, t in enumerate(trials) if t.kind == "poison-b")


def _draw(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 1 << 31))


def _listed(findings: list[str], most: int = 5) -> str:
    shown = "; ".join(str(f)[:300] for f in findings[:most])
    return shown + (f" (and {len(findings) - most} more)" if len(findings) > most else "")


def stub_kernels(code: str, target: str) -> str | None:
    """The module with the body of every kernel function emptied (``pass``; ``{}`` for HIP's
    ``__global__`` functions), or None where no kernel is found. Pallas kernels: the functions
    handed to ``pallas_call`` (directly or through ``functools.partial``) and any named ``*kernel``."""
    if target == "hip":
        return _stub_hip(code)
    markers = {"triton": ("jit",), "nki": ("jit",), "pallas": ()}[target]
    tree = ast.parse(code)
    handed = _pallas_kernels(tree) if target == "pallas" else set()
    stubbed = 0
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names = [_last(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list]
            pallas_body = target == "pallas" and (node.name.endswith("kernel") or node.name in handed)
            if any(n in markers for n in names) or pallas_body:
                node.body = [ast.Pass()]
                stubbed += 1
    return ast.unparse(tree) if stubbed else None


def _pallas_kernels(tree: ast.AST) -> set[str]:
    """Names of the functions passed as the kernel (first argument) of ``pallas_call``."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _last(node.func) == "pallas_call" and node.args:
            kernel = node.args[0]
            while isinstance(kernel, ast.Call) and _last(kernel.func) == "partial" and kernel.args:
                kernel = kernel.args[0]
            if isinstance(kernel, ast.Name):
                found.add(kernel.id)
    return found


def _stub_hip(code: str) -> str | None:
    """Every ``__global__`` function definition's body replaced by ``{}`` (declarations kept), on
    the text: comments, strings and character literals are blanked for the scan, so braces in
    them do not count."""
    blank = re.sub(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'',
                   lambda m: re.sub(r"[^\n]", " ", m.group(0)), code, flags=re.DOTALL)
    bodies = []
    for match in re.finditer(r"\b__global__\b", blank):
        start = _hip_body(blank, match.end())
        if start is None or (bodies and start < bodies[-1][1]):
            continue
        depth = 0
        for end in range(start, len(blank)):
            depth += {"{": 1, "}": -1}.get(blank[end], 0)
            if depth == 0:
                bodies.append((start, end + 1))
                break
    if not bodies:
        return None
    for start, end in reversed(bodies):
        code = code[:start] + "{}" + code[end:]
    return code


def _hip_body(blank: str, position: int) -> int | None:
    """Where the body of the function declared from ``position`` opens, or None for a declaration."""
    depth = 0
    for index in range(position, len(blank)):
        char = blank[index]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and char == ";":
            return None
        elif depth == 0 and char == "{":
            return index
    return None


def cuda_reference_outputs(spec: KernelSpec, trials: list[Trial], goldens, notes: list[str]
                           ) -> list[dict[str, np.ndarray] | None]:
    """Each trial's outputs from the CUDA source on porter's CPU reference executor, None where it has
    none (a note says why). If the reference cannot run the kernel, or disagrees with a recorded
    golden, it is not trusted and every trial gets None: only the goldens count."""
    from porter.reference import ReferenceError, ReferenceUnsupported, run_reference

    source = spec.source.read_text()

    def run(trial: Trial) -> dict[str, np.ndarray]:
        case = CaseSpec(trial.case.case, tuple(trial.case.sizes), trial.case.seed)
        return run_reference(source, spec, case, inputs=trial.inputs)

    try:
        for trial, golden in goldens:
            comparison = compare_outputs(spec, golden, run(trial))
            if not comparison.ok:
                notes.append(f"the CPU reference disagrees with {trial.name} ({comparison.detail}): only the "
                             "recorded goldens count")
                return [None] * len(trials)
    except ReferenceUnsupported as error:
        notes.append(f"the CPU reference cannot run {spec.name} ({error}): only the recorded goldens count")
        return [None] * len(trials)
    except ReferenceError as error:
        notes.append(f"the CPU reference fails on {spec.name} ({type(error).__name__}: {error}): only the "
                     "recorded goldens count")
        return [None] * len(trials)
    found: list[dict[str, np.ndarray] | None] = []
    for trial in trials:
        if trial.kind == "poison-b":
            found.append(None)
            continue
        try:
            found.append(run(trial))
        except ReferenceError as error:
            notes.append(f"trial {trial.name} dropped: the CPU reference gives no outputs ({error})")
            found.append(None)
    return found


def _last(node: ast.AST) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""


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
