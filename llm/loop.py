"""The optimization loop: N candidates per round, K rounds, feedback between rounds.

The best candidate that passes every check wins only if it beats the deterministic port by
``min_speedup`` on a measured time; without a GPU nothing is timed, so nothing can win on speed
and the deterministic port stands (the report says so). Every candidate, accepted or not, is
kept in the report with its provenance.

One bad answer never ends a run: an answer that does not parse is rejected by ``parse``; any
exception while judging a candidate rejects it by ``internal`` (``Type: message``); a failed
request rejects that sample by ``provider``; a stored answer that can no longer be read is
skipped with a note. Only a missing or refused API key stops the run (every other request would
fail the same way), as does a replay miss (the store lacks what was asked).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from porter.llm.executor import Executor
from porter.llm.harness import CandidateReport, Harness, Peaks, Timer
from porter.llm.prices import Usage, load_prices
from porter.llm.prompts import Feedback, ParseError, PromptInput, build_messages, parse_response, prompt_hash
from porter.llm.providers import Completion, Provider, ProviderError
from porter.llm.store import ReplayMissError, ResponseStore, StoredEntryError
from porter.llm.text import describe_error, escape_surrogates, safe_json, safe_text

from porter.golden.model import KernelSpec


@dataclass
class OptimizeResult:
    target: str
    kernel: str
    model: str
    code: str  # the winner's module, or the deterministic port
    winner: CandidateReport | None
    reference: CandidateReport
    candidates: list[CandidateReport]
    usage: Usage
    prompts: list[str] = field(default_factory=list)  # prompt hashes, one per round
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if self.winner is not None:
            return (f"{self.winner.name} replaces the deterministic port: {self.winner.speedup:.2f}x faster, "
                    f"passed every check")
        accepted = [c for c in self.candidates if c.accepted]
        if accepted and all(c.seconds is None for c in accepted):
            return (f"the deterministic port stands: {len(accepted)} candidate(s) passed every correctness check, "
                    "but nothing was timed (no GPU), so none can win on speed")
        if accepted:
            return "the deterministic port stands: no accepted candidate beat it by the required margin"
        return "the deterministic port stands: every candidate was rejected"

    def to_json(self) -> dict:
        """JSON-ready, whatever the candidates held: every string valid Unicode and at most
        :data:`porter.llm.text.REPORT_FIELD` characters long."""
        return safe_json({"kernel": self.kernel, "target": self.target, "model": self.model, "verdict": self.verdict,
                          "winner": self.winner.name if self.winner else None,
                          "reference": {"name": self.reference.name, "seconds": self.reference.seconds,
                                        "code_sha256": _clean(self.reference).code_sha256},
                          "prompts_sha256": self.prompts, "usage": self.usage.to_json(), "notes": self.notes,
                          "candidates": [_clean(c).to_json() for c in self.candidates]})


def _clean(report: CandidateReport) -> CandidateReport:
    """The report, its code with lone surrogates escaped (so that it hashes)."""
    code = escape_surrogates(report.code) if isinstance(report.code, str) else safe_text(report.code)
    return report if code is report.code else dataclasses.replace(report, code=code)


def run_loop(harness: Harness, provider: Provider, store: ResponseStore, prompt: PromptInput, *, rounds: int,
             candidates: int, max_tokens: int = 8192, temperature: float = 0.7, min_speedup: float = 1.05,
             usage: Usage | None = None) -> OptimizeResult:
    usage = usage or Usage()
    reference = harness.prepare()
    prompt.baseline_seconds = reference.seconds
    model = f"{provider.kind}/{provider.model}"
    result = OptimizeResult(harness.target, harness.spec.name, model, harness.reference_source, None, reference, [],
                            usage, notes=list(harness.notes))
    skipped = 0
    for round_ in range(rounds):
        messages = build_messages(prompt)
        digest = prompt_hash(messages)
        result.prompts.append(digest)
        for sample in range(candidates):
            name = f"round{round_ + 1}-candidate{sample + 1}"
            origin = {"model": model, "prompt_sha256": digest, "round": round_ + 1, "sample": sample}
            try:
                completion, key, replayed = store.complete(provider, messages, max_tokens=max_tokens,
                                                           temperature=temperature, sample=sample)
            except StoredEntryError as error:
                result.notes.append(f"{name} skipped: {error}")
                skipped += 1
                continue
            except ReplayMissError as error:
                if not skipped:
                    raise
                result.notes.append(f"replay stopped at {name}: {skipped} stored answer(s) were skipped, so this "
                                    f"prompt differs from the recorded one ({error})")
                return _finish(result, min_speedup)
            except ProviderError as error:
                if error.auth:
                    raise ProviderError(f"stopped at {name}: {error} (every other request would fail the same way)",
                                        error.status, auth=True) from None
                report = CandidateReport(name, "", origin=origin).reject("provider", safe_text(error))
                result.candidates.append(report)
                continue  # no answer: nothing for the next prompt to learn from
            usage.add(model, completion.input_tokens, completion.output_tokens, replayed)
            origin.update({"served_by": completion.model, "store_key": key, "replayed": replayed,
                           "input_tokens": completion.input_tokens, "output_tokens": completion.output_tokens})
            report = judge(harness, completion, name, origin)
            result.candidates.append(report)
            prompt.feedback.append(Feedback(name, report.accepted, report.rejected_by, safe_text(report.reason),
                                            report.worst_error, report.seconds, report.speedup))
    return _finish(result, min_speedup)


def judge(harness: Harness, completion: Completion, name: str, origin: dict) -> CandidateReport:
    """One answer's verdict; never raises: a failure of porter's own pipeline rejects the candidate by
    ``internal``."""
    try:
        code, rationale = parse_response(completion.text, harness.target)
    except ParseError as error:
        text = completion.text
        kept = escape_surrogates(text) if isinstance(text, str) else safe_text(text)  # kept whole, hashable
        return CandidateReport(name, kept, origin=origin).reject("parse", safe_text(error))
    origin["rationale"] = rationale
    try:
        return harness.evaluate(code, name, origin)
    except Exception as error:  # noqa: BLE001 -- porter's own failure rejects this candidate, the run goes on
        return CandidateReport(name, code, origin=origin).reject("internal", describe_error(error))


def _finish(result: OptimizeResult, min_speedup: float) -> OptimizeResult:
    timed = [c for c in result.candidates if c.accepted and c.speedup is not None and c.speedup >= min_speedup]
    if timed:
        result.winner = max(timed, key=lambda c: c.speedup or 0.0)
        result.code = result.winner.code
    return result


def optimize(source: str | Path, target: str, *, model: str | None = None, provider: Provider | None = None,
             spec: KernelSpec | str | Path | None = None, port: str | None = None, rounds: int = 2,
             candidates: int = 3, store: str | Path | None = None, mode: str = "live", base_url: str | None = None,
             api_key_env: str | None = None, executor: Executor | None = None, peaks: Peaks | None = None,
             timer: Timer | None = None, analysis: str = "", max_tokens: int = 8192, temperature: float = 0.7,
             min_speedup: float = 1.05, prices: str | Path | None = None,
             unconfined: bool = False) -> OptimizeResult:
    """Ask a model for faster versions of the deterministic port of ``source``; keep one only if it
    passes every check and beats the port. ``source``: a .cu file with a golden spec beside it (or ``spec``).

    Candidates run in porter's sandbox (:mod:`porter.llm.sandbox`); where it cannot be made this
    raises :class:`porter.llm.sandbox.SandboxUnavailable` before any model is asked, unless
    ``unconfined=True`` says model-written code may run as the calling user."""
    from porter.llm.executors import executor_for
    from porter.llm.providers import make_provider

    from porter.golden.spec import load_spec

    source = Path(source)
    if not isinstance(spec, KernelSpec):
        spec = load_spec(Path(spec) if spec else source.with_suffix(".toml"))
    if port is None:
        port = _deterministic_port(source, target, spec.instances)
    if provider is None:
        if model is None:
            raise ValueError("give model='provider/name' (or a provider)")
        provider = make_provider(model, base_url=base_url, api_key_env=api_key_env)
    owned = executor is None
    if executor is None:  # raises before any model is asked when no sandbox can be made (unless unconfined)
        executor = executor_for(target, unconfined=unconfined, spec=spec)
    try:
        harness = Harness(spec, executor, port, peaks=peaks, timer=timer)
        case = harness.prompt_case
        prompt = PromptInput(target, spec.name, spec.source.read_text(), port, case.size_map, analysis)
        return run_loop(harness, provider, ResponseStore(Path(store) if store else None, mode), prompt,
                        rounds=rounds, candidates=candidates, max_tokens=max_tokens, temperature=temperature,
                        min_speedup=min_speedup, usage=Usage(load_prices(Path(prices) if prices else None)))
    finally:
        if owned:
            executor.close()


def _deterministic_port(source: Path, target: str, instances: tuple[str, ...] = ()) -> str:
    """porter's own port of ``source``, with the template instances the spec's launches name."""
    import porter

    try:
        options = {"instantiate": instances} if instances and target != "hip" else {}  # HIP keeps templates
        result = porter.translate(source, target, **options)
    except Exception as error:  # noqa: BLE001 -- a missing backend is a user-facing message, not a crash
        raise ValueError(f"porter cannot port {source.name} to {target} yet ({error}); pass the port with "
                         "--port FILE") from None
    if not result.ok:
        raise ValueError(f"the deterministic {target} port of {source.name} has errors; fix them or pass --port")
    return result.code
