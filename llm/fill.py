"""Fill what the passes refuse: a model writes a kernel porter's deterministic port refuses.

When the tile passes refuse a kernel for a target (an error diagnostic P04xx: tile lowering,
P06xx: Pallas, P07xx: NKI), the model is asked to write that target's module from the CUDA source
and the diagnostics. A candidate is kept only if it passes the same checks as any rewrite
(:class:`porter.llm.harness.Harness`) against the kernel's recorded goldens; the trials beyond the
goldens (fresh seeds, heavy tails, held-out shapes, special values...) take their expected outputs
from the CUDA source itself, run by porter's CPU reference executor (:mod:`porter.reference`),
which is first checked against every golden. Where the reference cannot run the kernel only the
goldens count, and the result says so. Without a fresh recorded golden nothing is asked and
nothing model-written is ever kept (:class:`FillRefused`).

The first accepted candidate is kept (there is no port to beat on speed); its module starts with a
comment block that marks it as model-written, with its provenance: model, prompt hash, store key,
date, and the checks it passed. :meth:`FillResult.to_json` records the same.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from pathlib import Path

from porter.llm.executor import Executor
from porter.llm.harness import CandidateReport, Harness, HarnessError, Peaks, Timer
from porter.llm.loop import judge
from porter.llm.prices import Usage, load_prices
from porter.llm.prompts import Feedback, arch_notes, prompt_hash
from porter.llm.providers import Provider, ProviderError
from porter.llm.store import ResponseStore, StoredEntryError
from porter.llm.text import safe_json, safe_text

from porter.golden.model import KernelSpec

#: Diagnostic id prefixes of the refusals a model may fill: tile lowering, Pallas, NKI.
FILLABLE = ("P04", "P06", "P07")

SYSTEM = """You write GPU kernels. porter's deterministic translator refuses to port a CUDA kernel to
{device}; its diagnostics say why. Write the whole {target} module from the CUDA source: it must compute
exactly what the CUDA kernel computes for every launch (bit for bit where the CUDA arithmetic is exact,
including ties, NaN, infinities, -0.0 and values past the ends of the data).
Every candidate is checked: static rules, a compile gate, outputs recorded on a GPU, fresh seeds, shapes
you are not shown (much larger and odd ones), special values, poisoned output buffers, guard zones past
every buffer, unchanged inputs, other program orders, and a no-op test of the kernel. Shortcuts fail these
checks. Answer with exactly one fenced code block tagged ```{fence} holding the whole module, optionally
followed by a rationale of at most a few sentences. Nothing else."""


class FillRefused(ValueError):
    """Nothing is filled: the kernel is ported, the refusal is not one a model may fill, there is no
    golden spec or no fresh golden, or no executor runs the target's candidates."""


@dataclass(frozen=True)
class Refusal:
    """Why the deterministic port refuses ``kernel`` for ``target``: its error diagnostics, rendered."""

    kernel: str
    target: str
    codes: tuple[str, ...]
    diagnostics: tuple[str, ...]

    def to_json(self) -> dict:
        return {"kernel": self.kernel, "target": self.target, "codes": list(self.codes),
                "diagnostics": list(self.diagnostics)}


def refusal(source: str | Path, target: str, **options) -> Refusal | None:
    """The deterministic port's refusal of ``source`` for ``target``, or None when it ports.

    Raises :class:`FillRefused` when the port fails for a reason no model should paper over (the
    source does not parse, an input error): only P04xx/P06xx/P07xx refusals are filled."""
    import porter

    source = Path(source)
    result = porter.translate(source, target, **options)
    if result.ok:
        return None
    errors = [d for d in result.diagnostics if d.is_error]
    other = sorted({d.id for d in errors if not d.id.startswith(FILLABLE)})
    if other or not errors:
        raise FillRefused(f"porter does not port {source.name} to {target} for reasons a model does not fill "
                          f"({', '.join(other) or 'no error diagnostic'}): fix the source first")
    text = source.read_text()
    return Refusal(source.stem, target, tuple(dict.fromkeys(d.id for d in errors)),
                   tuple(_by_name(d, source.name).render(text) for d in errors))


def _by_name(diagnostic, name: str):
    """The diagnostic with its file given by name alone: the prompt does not say where the file lies
    on this machine, and a stored answer replays wherever the file is."""
    if diagnostic.span is None:
        return diagnostic
    return dataclasses.replace(diagnostic, span=dataclasses.replace(diagnostic.span, file=name))


@dataclass
class FillPrompt:
    target: str
    kernel: str
    cuda_source: str
    refusal: Refusal
    spec: KernelSpec
    sizes: dict[str, int]
    feedback: list[Feedback] = field(default_factory=list)


def build_messages(prompt: FillPrompt) -> list[dict]:
    arch = arch_notes(prompt.target)
    launches = "\n".join(f"- `{l.kernel}`: grid {l.grid}, block {l.block}, shared bytes {l.shared_bytes}, "
                         f"args ({', '.join(l.args)})" for l in prompt.spec.launches)
    buffers = "\n".join(f"- `{b.name}`: {b.dtype}, shape {b.shape}, {b.role}" for b in prompt.spec.buffers)
    parts = [f"## Kernel `{prompt.kernel}` (CUDA)\n```cuda\n{prompt.cuda_source.rstrip()}\n```",
             f"## Why porter refuses to port it to {prompt.target}\n```\n" + "\n".join(prompt.refusal.diagnostics)
             + "\n```",
             f"## Launches, in order\n{launches}\n\n## Buffers\n{buffers}",
             "## Architecture notes: " + arch.device + "\n" + "\n".join(f"- {n}" for n in arch.notes),
             "## Contract\n" + arch.contract,
             "## One shape it runs on\n" + ", ".join(f"{k}={v}" for k, v in prompt.sizes.items())]
    if prompt.feedback:
        parts.append("## Earlier candidates\n" + "\n".join(f.render() for f in prompt.feedback))
    return [{"role": "system", "content": SYSTEM.format(device=arch.device, target=prompt.target, fence=arch.fence)},
            {"role": "user", "content": "\n\n".join(parts)}]


@dataclass
class FillResult:
    target: str
    kernel: str
    model: str
    refusal: Refusal
    kept: CandidateReport | None
    candidates: list[CandidateReport]
    usage: Usage
    prompts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    trials: list[str] = field(default_factory=list)  # the trials every kept candidate passed
    written: str = ""  # when the kept candidate was accepted (UTC, ISO 8601)

    @property
    def code(self) -> str | None:
        """The kept module, marked as model-written, or None."""
        return None if self.kept is None else header(self) + self.kept.code

    @property
    def verdict(self) -> str:
        codes = ", ".join(self.refusal.codes)
        if self.kept is not None:
            return (f"{self.kept.name} fills the refused kernel ({codes}): model-written, passed every check "
                    f"on {len(self.trials)} trials")
        return f"nothing kept: porter refuses {self.kernel} for {self.target} ({codes}) and every candidate " \
               "was rejected"

    def to_json(self) -> dict:
        kept = None
        if self.kept is not None:
            kept = {"name": self.kept.name, "code_sha256": self.kept.code_sha256, "written": self.written,
                    "model_written": True, "origin": self.kept.origin,
                    "checks": [c.check for c in self.kept.checks if c.passed], "trials": self.trials}
        return safe_json({"mode": "fill", "kernel": self.kernel, "target": self.target, "model": self.model,
                          "verdict": self.verdict, "refusal": self.refusal.to_json(), "kept": kept,
                          "prompts_sha256": self.prompts, "usage": self.usage.to_json(), "notes": self.notes,
                          "candidates": [c.to_json() for c in self.candidates]})


def header(result: FillResult) -> str:
    """The comment block that opens a kept module: model-written, with its provenance."""
    kept = result.kept
    assert kept is not None
    origin = kept.origin
    lines = [f"MODEL-WRITTEN: porter refuses to port {result.kernel} to {result.target} "
             f"({', '.join(result.refusal.codes)}); {result.model} wrote this module and porter kept it",
             "because it passed every check below. It is not a deterministic port.",
             f"model: {result.model} (served by {origin.get('served_by', '?')})",
             f"prompt sha256: {origin.get('prompt_sha256', '?')}",
             f"store key: {origin.get('store_key', '?')}",
             f"written: {result.written}",
             f"checks passed: {', '.join(c.check for c in kept.checks if c.passed)}",
             f"trials: {', '.join(result.trials)}"]
    lines += [f"note: {n}" for n in result.notes]
    return "".join(f"# {safe_text(line, 2000)}\n".replace("\r", " ") for line in lines) + "\n"


def run_fill(harness: Harness, provider: Provider, store: ResponseStore, prompt: FillPrompt, refused: Refusal, *,
             rounds: int, candidates: int, max_tokens: int = 8192, temperature: float = 0.7,
             usage: Usage | None = None) -> FillResult:
    """Rounds of candidates until one passes every check (then no more is asked)."""
    usage = usage or Usage()
    try:
        harness.prepare()
    except HarnessError as error:
        raise FillRefused(str(error)) from None
    model = f"{provider.kind}/{provider.model}"
    result = FillResult(harness.target, harness.spec.name, model, refused, None, [], usage,
                        notes=list(harness.notes), trials=[t.name for t in harness.trials])
    for round_ in range(rounds):
        messages = build_messages(prompt)
        digest = prompt_hash(messages)
        result.prompts.append(digest)
        for sample in range(candidates):
            name = f"round{round_ + 1}-candidate{sample + 1}"
            origin = {"model": model, "prompt_sha256": digest, "round": round_ + 1, "sample": sample, "fill": True}
            try:
                completion, key, replayed = store.complete(provider, messages, max_tokens=max_tokens,
                                                           temperature=temperature, sample=sample)
            except StoredEntryError as error:
                result.notes.append(f"{name} skipped: {error}")
                continue
            except ProviderError as error:
                if error.auth:
                    raise
                result.candidates.append(CandidateReport(name, "", origin=origin).reject("provider", safe_text(error)))
                continue
            usage.add(model, completion.input_tokens, completion.output_tokens, replayed)
            origin.update({"served_by": completion.model, "store_key": key, "replayed": replayed,
                           "input_tokens": completion.input_tokens, "output_tokens": completion.output_tokens})
            report = judge(harness, completion, name, origin)
            result.candidates.append(report)
            if report.accepted:
                result.kept = report
                result.written = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
                return result
            prompt.feedback.append(Feedback(name, False, report.rejected_by, safe_text(report.reason),
                                            report.worst_error))
    return result


def fill(source: str | Path, target: str, *, model: str | None = None, provider: Provider | None = None,
         spec: KernelSpec | str | Path | None = None, rounds: int = 2, candidates: int = 3,
         store: str | Path | None = None, mode: str = "live", base_url: str | None = None,
         api_key_env: str | None = None, executor: Executor | None = None, peaks: Peaks | None = None,
         timer: Timer | None = None, max_tokens: int = 8192, temperature: float = 0.7,
         prices: str | Path | None = None, unconfined: bool = False, options: dict | None = None) -> FillResult:
    """Ask a model to write ``source``'s kernel for ``target`` where porter's port refuses it; keep a
    candidate only if it passes every check against the goldens. ``options`` go to the port (e.g.
    ``{"flavor": "tpu"}`` for Pallas). Raises :class:`FillRefused` before any model is asked when
    there is nothing to fill or nothing to check a fill against."""
    from porter.llm.providers import make_provider

    from porter.golden.spec import load_spec

    source = Path(source)
    if not isinstance(spec, KernelSpec):
        path = Path(spec) if spec else source.with_suffix(".toml")
        if not path.exists():
            raise FillRefused(f"no golden spec {path.name} beside {source.name}: without goldens for the kernel "
                              "nothing model-written is ever kept")
        spec = load_spec(path)
    refused = refusal(source, target, **(options or {}))
    if refused is None:
        raise FillRefused(f"porter ports {source.name} to {target}: nothing to fill (porter optimize improves "
                          "the port instead)")
    if provider is None:
        if model is None:
            raise ValueError("give model='provider/name' (or a provider)")
        provider = make_provider(model, base_url=base_url, api_key_env=api_key_env)
    owned = executor is None
    if executor is None:
        executor = executor_for(target, unconfined)
    try:
        harness = Harness(spec, executor, "", peaks=peaks, timer=timer, expected_from="cuda-reference")
        prompt = FillPrompt(target, spec.name, spec.source.read_text(), refused, spec, harness.prompt_case.size_map)
        return run_fill(harness, provider, ResponseStore(Path(store) if store else None, mode), prompt, refused,
                        rounds=rounds, candidates=candidates, max_tokens=max_tokens, temperature=temperature,
                        usage=Usage(load_prices(Path(prices) if prices else None)))
    finally:
        if owned:
            executor.close()


def executor_for(target: str, unconfined: bool) -> Executor:
    """The executor of ``target``'s candidates (sandboxed unless ``unconfined``)."""
    if target == "triton":
        from porter.llm.executor import TritonExecutor
        from porter.llm.sandbox import require

        require(unconfined)
        return TritonExecutor(unconfined=unconfined)
    try:
        from porter.llm.executors import executor_for as make
    except ImportError:
        raise FillRefused(f"no executor runs {target} candidates: nothing can be checked, so nothing is filled") \
            from None
    return make(target, unconfined=unconfined)


def render(result: FillResult) -> str:
    """A short text for people: the refusal, each candidate's fate, the usage."""
    lines = [f"porter optimize (fill): {result.kernel} -> {result.target} with {result.model}", result.verdict, ""]
    for c in result.candidates:
        if c.accepted:
            lines.append(f"  {c.name}: kept (model-written); passed {', '.join(x.check for x in c.checks)}")
        else:
            lines.append(f"  {c.name}: rejected by {c.rejected_by}: {safe_text(c.reason, 200)}")
    usage = result.usage.to_json()
    lines += ["", f"calls {usage['calls']} ({usage['replayed']} replayed), tokens in {usage['input_tokens']}, "
              f"out {usage['output_tokens']}"]
    lines += [f"trials: {', '.join(result.trials)}"] + [f"note: {safe_text(n, 500)}" for n in result.notes]
    return "\n".join(lines) + "\n"
