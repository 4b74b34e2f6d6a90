"""The response store (keys, modes, replay misses), prices, prompts and the strict answer parser."""

from __future__ import annotations

import pytest
from porter.llm.prices import Usage, load_prices
from porter.llm.prompts import TARGETS, Feedback, ParseError, PromptInput, arch_notes, build_messages, parse_response
from porter.llm.providers import Completion, OpenAIChat
from porter.llm.store import ReplayMissError, ResponseStore, request_key

MESSAGES = [{"role": "user", "content": "x"}]


class Scripted(OpenAIChat):
    def __init__(self, answers):
        super().__init__("m", "http://127.0.0.1:9/v1", None)
        self.answers = list(answers)

    def complete(self, messages, *, max_tokens=4096, temperature=0.7):
        return Completion(self.answers.pop(0), 3, 2, "m", {"ok": True})


def test_record_then_replay(tmp_path):
    _, key, replayed = ResponseStore(tmp_path, "record").complete(Scripted(["a", "b"]), MESSAGES,
                                                                          max_tokens=5, temperature=0, sample=0)
    assert not replayed and ResponseStore(tmp_path).path(key) == tmp_path / key[:2] / f"{key}.json"
    again, key2, replayed = ResponseStore(tmp_path, "replay").complete(Scripted([]), MESSAGES, max_tokens=5,
                                                                        temperature=0, sample=0)
    assert (again.text, again.input_tokens, key2, replayed) == ("a", 3, key, True)
    with pytest.raises(ReplayMissError) as miss:
        ResponseStore(tmp_path, "replay").complete(Scripted([]), MESSAGES, max_tokens=5, temperature=0, sample=1)
    assert request_key("openai", "m", Scripted([]).request_body(MESSAGES, max_tokens=5, temperature=0), 1) in \
        str(miss.value)
    assert not list(tmp_path.rglob("*.tmp"))


def test_keys_depend_on_what_is_asked():
    body = {"model": "m", "messages": MESSAGES}
    base = request_key("openai", "m", body, 0)
    assert base == request_key("openai", "m", dict(reversed(body.items())), 0)  # canonical JSON
    assert len({base, request_key("anthropic", "m", body, 0), request_key("openai", "m2", body, 0),
                request_key("openai", "m", body, 1)}) == 4


def test_modes_are_checked(tmp_path):
    with pytest.raises(ValueError):
        ResponseStore(tmp_path, "sometimes")
    with pytest.raises(ValueError):
        ResponseStore(None, "replay")


def test_costs_and_unknown_prices():
    usage = Usage(load_prices())
    usage.add("openai/gpt-4o-mini", 1_000_000, 1_000_000)
    assert usage.cost_usd == pytest.approx(0.75)
    usage.add("openai-compatible/local", 10, 10)
    assert usage.cost_usd is None and "unknown price for openai-compatible/local" in usage.to_json()["cost_note"]


@pytest.mark.parametrize("target", TARGETS)
def test_prompt_carries_everything(target):
    notes = arch_notes(target)
    prompt = PromptInput(target, "k", "__global__ void k() {}", "PORT CODE", {"n": 4096}, "affine in threadIdx.x",
                         1e-3, [Feedback("round1-candidate1", False, "golden", "y[3] wrong", (0.5, 0.1))])
    text = "\n".join(m["content"] for m in build_messages(prompt))
    for needle in ("__global__ void k()", "PORT CODE", notes.notes[0], "affine in threadIdx.x", "n=4096",
                   "rejected by `golden` (worst error abs 0.5", f"```{notes.fence}"):
        assert needle in text


def test_architecture_notes_name_the_hardware():
    assert "64" in " ".join(arch_notes("hip").notes) and "LDS" in " ".join(arch_notes("hip").notes)
    assert "(8, 128)" in " ".join(arch_notes("pallas").notes) and "MXU" in " ".join(arch_notes("pallas").notes)
    assert "128 partitions" in " ".join(arch_notes("nki").notes) and "PSUM" in " ".join(arch_notes("nki").notes)
    assert "num_warps" in " ".join(arch_notes("triton").notes)


def test_parse_accepts_one_tagged_block():
    code, why = parse_response("Bigger blocks.\n```triton\nimport triton\n```\n", "triton")
    assert (code, why) == ("import triton\n", "Bigger blocks.")


@pytest.mark.parametrize("text, reason", [
    ("import triton", "found no fenced"),
    ("```python\nimport triton\n```", "tagged 'python'"),
    ("```\nimport triton\n```", "tagged ''"),
    ("```triton\na\n```\n```triton\nb\n```", "exactly one"),
    ("```triton\na\n", "exactly one"),
    ("```triton\n\n```", "empty"),
    ("```triton\na\n``` trailing", "closing fence"),
    ("x" * 2000 + "\n```triton\na\n```", "outside the code block"),
])
def test_parse_rejects_anything_else(text, reason):
    with pytest.raises(ParseError, match=reason.replace("(", r"\(")):
        parse_response(text, "triton")
