"""Prompts per target: the CUDA source, the deterministic port, the target's architecture notes,
porter's analysis of the kernel, and the feedback of earlier rounds.

The model must answer with exactly one fenced code block tagged with the target (```triton,
```hip, ```pallas, ```nki) holding the whole module, plus at most a short rationale outside it.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ARCH_DIR = Path(__file__).with_name("data") / "arch"
TARGETS = ("hip", "triton", "pallas", "nki")
MAX_RATIONALE = 1500


@dataclass(frozen=True)
class ArchNotes:
    target: str
    fence: str
    device: str
    notes: tuple[str, ...]
    contract: str


def arch_notes(target: str) -> ArchNotes:
    path = ARCH_DIR / f"{target}.toml"
    if not path.exists():
        raise ValueError(f"no architecture notes for target {target!r} (expected one of {', '.join(TARGETS)})")
    data = tomllib.loads(path.read_text())
    return ArchNotes(data["target"], data["fence"], data["device"], tuple(data["notes"]), data["contract"].strip())


@dataclass
class Feedback:
    """What one earlier candidate did: the check that rejected it and why, or its timing."""

    name: str
    accepted: bool
    check: str | None
    detail: str
    worst_error: tuple[float, float] | None = None
    seconds: float | None = None
    speedup: float | None = None

    def render(self) -> str:
        if self.accepted:
            timing = f"{self.seconds:.3g} s, {self.speedup:.2f}x the port" if self.seconds and self.speedup else \
                "not timed (no GPU)"
            return f"- {self.name}: passed every check; {timing}"
        worst = f" (worst error abs {self.worst_error[0]:.3g}, rel {self.worst_error[1]:.3g})" if self.worst_error \
            else ""
        return f"- {self.name}: rejected by `{self.check}`{worst}: {self.detail[:600]}"


@dataclass
class PromptInput:
    target: str
    kernel: str
    cuda_source: str
    port: str
    sizes: dict[str, int]
    analysis: str = ""
    baseline_seconds: float | None = None
    feedback: list[Feedback] = field(default_factory=list)


SYSTEM = """You optimize GPU kernels. You receive a CUDA kernel and porter's deterministic, correct port of it
to {device}. Rewrite the port to run faster on that hardware while computing the same results.
Every candidate is checked: static rules, a compile gate, golden outputs on several seeds and on shapes you
are not shown, poisoned output buffers, unchanged inputs, a no-op test of the kernel, and a timing floor.
Shortcuts fail these checks. Answer with exactly one fenced code block tagged ```{fence} holding the whole
module, optionally followed by a rationale of at most a few sentences. Nothing else."""


def build_messages(prompt: PromptInput) -> list[dict]:
    arch = arch_notes(prompt.target)
    parts = [f"## Kernel `{prompt.kernel}` (CUDA)\n```cuda\n{prompt.cuda_source.rstrip()}\n```",
             f"## The deterministic port ({prompt.target})\n```{arch.fence}\n{prompt.port.rstrip()}\n```",
             "## Architecture notes: " + arch.device + "\n" + "\n".join(f"- {n}" for n in arch.notes),
             "## Contract\n" + arch.contract,
             "## Shape used for timing\n" + ", ".join(f"{k}={v}" for k, v in prompt.sizes.items())]
    if prompt.analysis:
        parts.append("## porter's analysis of the kernel\n" + prompt.analysis.strip())
    if prompt.baseline_seconds:
        parts.append(f"## Timing of the port\n{prompt.baseline_seconds:.3g} s")
    if prompt.feedback:
        parts.append("## Earlier candidates\n" + "\n".join(f.render() for f in prompt.feedback))
    return [{"role": "system", "content": SYSTEM.format(device=arch.device, fence=arch.fence)},
            {"role": "user", "content": "\n\n".join(parts)}]


def prompt_hash(messages: list[dict]) -> str:
    return hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()


class ParseError(ValueError):
    pass


def parse_response(text: str, target: str) -> tuple[str, str]:
    """(code, rationale), strictly: exactly one fenced block, tagged with the target, nothing odd around it."""
    fence = arch_notes(target).fence
    lines = text.strip("\n").split("\n")
    openings = [i for i, line in enumerate(lines) if line.startswith("```")]
    if not openings:
        raise ParseError("found no fenced code block")
    if len(openings) != 2:
        raise ParseError(f"expected exactly one fenced code block, found {len(openings)} fence lines")
    start, end = openings
    tag = lines[start][3:].strip()
    if tag != fence:
        raise ParseError(f"the code block is tagged {tag!r}, expected {fence!r}")
    if lines[end].strip() != "```":
        raise ParseError("the closing fence carries text")
    code = "\n".join(lines[start + 1:end]).strip("\n") + "\n"
    if not code.strip():
        raise ParseError("the code block is empty")
    before, after = "\n".join(lines[:start]).strip(), "\n".join(lines[end + 1:]).strip()
    rationale = "\n".join(p for p in (before, after) if p)
    if len(rationale) > MAX_RATIONALE:
        raise ParseError(f"{len(rationale)} characters outside the code block (at most {MAX_RATIONALE})")
    return code, rationale
