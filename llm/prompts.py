"""Prompts per target: the CUDA source, the deterministic port, the target's architecture notes,
porter's analysis of the kernel, and the feedback of earlier rounds.

The model must answer with exactly one fenced code block tagged with the target (```triton,
```hip, ```pallas, ```nki) holding the whole module, plus at most a short rationale outside it.

:func:`parse_response` reads whatever a model sends and raises nothing but :class:`ParseError`:
an answer that is not text, empty, longer than :data:`MAX_ANSWER`, holds a lone surrogate or a NUL
character, has no single well-tagged code block, or whose code (Python targets) is longer than
:data:`MAX_CODE`, does not parse, or nests deeper than :data:`MAX_DEPTH` is a rejection with a
reason. Lone surrogates are rejected, not repaired: the answer is stored verbatim (JSON escapes
carry them exactly) and its replay is rejected the same way.
"""

from __future__ import annotations

import ast
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from porter.llm.text import clip, first_surrogate, safe_text

ARCH_DIR = Path(__file__).with_name("data") / "arch"
TARGETS = ("hip", "triton", "pallas", "nki")
MAX_RATIONALE = 1500
#: The longest answer read (characters); a longer one is rejected before it is looked at.
MAX_ANSWER = 1_000_000
#: The longest code block (characters).
MAX_CODE = 200_000
#: The deepest nesting of a Python candidate's syntax tree: every later step (the static guards,
#: the no-op stubbing, the compiler in the sandbox) walks the tree, most of them recursively.
MAX_DEPTH = 200
#: Targets whose candidates are Python modules (HIP candidates are C++ text).
PYTHON_TARGETS = frozenset({"triton", "pallas", "nki"})
#: The most earlier candidates a prompt reports on (the latest ones): a long run's prompt stays bounded.
MAX_FEEDBACK = 24


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
        return f"- {self.name}: rejected by `{self.check}`{worst}: {safe_text(self.detail[:600], 600)}"


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
        shown = prompt.feedback[-MAX_FEEDBACK:]
        omitted = len(prompt.feedback) - len(shown)
        parts.append("## Earlier candidates\n" + (f"({omitted} earlier candidates not shown)\n" if omitted else "")
                     + "\n".join(f.render() for f in shown))
    return [{"role": "system", "content": SYSTEM.format(device=arch.device, fence=arch.fence)},
            {"role": "user", "content": "\n\n".join(parts)}]


def prompt_hash(messages: list[dict]) -> str:
    return hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()


class ParseError(ValueError):
    pass


def parse_response(text: str, target: str) -> tuple[str, str]:
    """(code, rationale), strictly: exactly one fenced block, tagged with the target, nothing odd around it.

    Raises :class:`ParseError` (and nothing else) for any answer that is not such a block."""
    fence = arch_notes(target).fence  # an unknown target is porter's error, not the answer's
    try:
        return _parse(text, target, fence)
    except ParseError:
        raise
    except Exception as error:  # noqa: BLE001 -- whatever the answer does to the parser is a rejection
        raise ParseError(f"the answer cannot be read ({type(error).__name__}: {clip(str(error), 200)})") from None


def _parse(text: object, target: str, fence: str) -> tuple[str, str]:
    if not isinstance(text, str):
        raise ParseError(f"the answer is {type(text).__name__}, not text")
    if len(text) > MAX_ANSWER:
        raise ParseError(f"the answer is {len(text):,} characters long (at most {MAX_ANSWER:,})")
    at = first_surrogate(text)
    if at is not None:
        raise ParseError(f"the answer holds a lone surrogate (U+{ord(text[at]):04X}) at character {at}: it is not "
                         "valid Unicode")
    if "\0" in text:
        raise ParseError(f"the answer holds a NUL character at character {text.index(chr(0))}")
    if not text.strip():
        raise ParseError("the answer is empty")
    lines = text.strip("\n").split("\n")
    openings = [i for i, line in enumerate(lines) if line.startswith("```")]
    if not openings:
        raise ParseError("found no fenced code block")
    if len(openings) != 2:
        raise ParseError(f"expected exactly one fenced code block, found {len(openings)} fence lines")
    start, end = openings
    tag = lines[start][3:].strip()
    if tag != fence:
        raise ParseError(f"the code block is tagged {clip(tag, 40)!r}, expected {fence!r}")
    if lines[end].strip() != "```":
        raise ParseError("the closing fence carries text")
    code = "\n".join(lines[start + 1:end]).strip("\n") + "\n"
    if not code.strip():
        raise ParseError("the code block is empty")
    if len(code) > MAX_CODE:
        raise ParseError(f"the code block is {len(code):,} characters long (at most {MAX_CODE:,})")
    before, after = "\n".join(lines[:start]).strip(), "\n".join(lines[end + 1:]).strip()
    rationale = "\n".join(p for p in (before, after) if p)
    if len(rationale) > MAX_RATIONALE:
        raise ParseError(f"{len(rationale)} characters outside the code block (at most {MAX_RATIONALE})")
    if target in PYTHON_TARGETS:
        _check_python(code)
    return code, rationale


def _check_python(code: str) -> None:
    """The code parses as a Python module whose syntax tree nests at most MAX_DEPTH levels deep."""
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        where = f"line {error.lineno}: " if error.lineno else ""
        raise ParseError(f"the code does not parse as Python ({where}{clip(str(error.msg), 200)})") from None
    except RecursionError:
        raise ParseError("the code nests too deeply for Python's parser") from None
    except MemoryError:
        raise ParseError("the code is too large or too deeply nested for Python's parser") from None
    depth = syntax_depth(tree, MAX_DEPTH)
    if depth > MAX_DEPTH:
        raise ParseError(f"the code's syntax tree nests more than {MAX_DEPTH} levels deep")


def syntax_depth(tree: ast.AST, limit: int) -> int:
    """The depth of ``tree`` (iteratively, so any depth is measured), or ``limit + 1`` once past ``limit``."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return limit + 1
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest
