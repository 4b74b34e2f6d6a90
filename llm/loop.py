"""The optimization loop: N candidates per round, K rounds, feedback between rounds.

The best candidate that passes every check wins only if it beats the deterministic port by
``min_speedup`` on a measured time; without a GPU nothing is timed, so nothing can win on speed
and the deterministic port stands (the report says so). Every candidate, accepted or not, is
kept in the report with its provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from porter.llm.executor import Executor
from porter.llm.harness import CandidateReport, Harness, Peaks, Timer
from porter.llm.prices import Usage, load_prices
from porter.llm.prompts import Feedback, ParseError, PromptInput, build_messages, parse_response, prompt_hash
from porter.llm.providers import Provider
from porter.llm.store import ResponseStore

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
        return {"kernel": self.kernel, "target": self.target, "model": self.model, "verdict": self.verdict,
                "winner": self.winner.name if self.winner else None,
                "reference": {"name": self.reference.name, "seconds": self.reference.seconds,
                              "code_sha256": self.reference.code_sha256},
                "prompts_sha256": self.prompts, "usage": self.usage.to_json(), "notes": self.notes,
                "candidates": [c.to_json() for c in self.candidates]}


def run_loop(harness: Harness, provider: Provider, store: ResponseStore, prompt: PromptInput, *, rounds: int,
             candidates: int, max_tokens: int = 8192, temperature: float = 0.7, min_speedup: float = 1.05,
             usage: Usage | None = None) -> OptimizeResult:
    usage = usage or Usage()
    reference = harness.prepare()
    prompt.baseline_seconds = reference.seconds
    model = f"{provider.kind}/{provider.model}"
    result = OptimizeResult(harness.target, harness.spec.name, model, harness.reference_source, None, reference, [],
                            usage, notes=list(harness.notes))
    for round_ in range(rounds):
        messages = build_messages(prompt)
        digest = prompt_hash(messages)
        result.prompts.append(digest)
        for sample in range(candidates):
            completion, key, replayed = store.complete(provider, messages, max_tokens=max_tokens,
                                                       temperature=temperature, sample=sample)
            usage.add(model, completion.input_tokens, completion.output_tokens, replayed)
            name = f"round{round_ + 1}-candidate{sample + 1}"
            origin = {"model": model, "served_by": completion.model, "prompt_sha256": digest, "round": round_ + 1,
                      "sample": sample, "store_key": key, "replayed": replayed,
                      "input_tokens": completion.input_tokens, "output_tokens": completion.output_tokens}
            try:
                code, rationale = parse_response(completion.text, harness.target)
            except ParseError as error:
                report = CandidateReport(name, completion.text, origin=origin).reject("parse", str(error))
            else:
                origin["rationale"] = rationale
                report = harness.evaluate(code, name, origin)
            result.candidates.append(report)
            prompt.feedback.append(Feedback(name, report.accepted, report.rejected_by, report.reason,
                                            report.worst_error, report.seconds, report.speedup))
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
    from porter.llm.executor import TritonExecutor
    from porter.llm.providers import make_provider

    from porter.golden.spec import load_spec

    source = Path(source)
    if executor is None and target == "triton":
        from porter.llm.sandbox import require

        require(unconfined)  # refuse before any model is paid for
    if not isinstance(spec, KernelSpec):
        spec = load_spec(Path(spec) if spec else source.with_suffix(".toml"))
    if port is None:
        port = _deterministic_port(source, target)
    if provider is None:
        if model is None:
            raise ValueError("give model='provider/name' (or a provider)")
        provider = make_provider(model, base_url=base_url, api_key_env=api_key_env)
    owned = executor is None
    if executor is None:
        if target != "triton":
            raise ValueError(f"no executor for {target} candidates yet: only triton candidates can be run and "
                             "checked (the deterministic port stands)")
        executor = TritonExecutor(unconfined=unconfined)
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


def _deterministic_port(source: Path, target: str) -> str:
    import porter

    try:
        result = porter.translate(source, target)
    except Exception as error:  # noqa: BLE001 -- a missing backend is a user-facing message, not a crash
        raise ValueError(f"porter cannot port {source.name} to {target} yet ({error}); pass the port with "
                         "--port FILE") from None
    if not result.ok:
        raise ValueError(f"the deterministic {target} port of {source.name} has errors; fix them or pass --port")
    return result.code
