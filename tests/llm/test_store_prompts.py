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


@pytest.mark.parametrize("text, reason", [
    ("```triton\nx = '\udc80'\n```", r"lone surrogate \(U\+DC80\) at character 15"),
    ("```triton\nx = 1\x00\n```", "NUL character at character 15"),
    ("```triton\n" + "x = 1\n" * 200_000 + "```", "at most 1,000,000"),
    ("```triton\n" + "# " + "x" * 250_000 + "\n```", "code block is 250,003 characters long"),
    ("```triton\nx = " + "-" * 5000 + "1\n```", "nests too deeply|more than 200 levels"),
    ("```triton\nx = " + "(" * 5000 + "1" + ")" * 5000 + "\n```", "does not parse as Python"),
    ("```triton\nx = " + "lambda: " * 5000 + "1\n```", "too large or too deeply nested|nests too deeply"),
    ("```triton\nx = " + "+".join(["a"] * 90_000) + "\n```", "nests too deeply|more than 200 levels"),
    ("```triton\nx = " + " + ".join(["a"] * 300) + "\n```", "more than 200 levels"),
    ("```triton\ndef f(:\n```", r"does not parse as Python \(line 1: "),
    ("```triton\nif x:\n\ty = 1\n        z = 2\n```", "does not parse as Python"),
    ("", "empty"), ("  \n\t", "empty"),
    (None, "NoneType, not text"), (["```triton", "x", "```"], "list, not text"),
    ("```" + "t" * 100_000 + "\nx\n```", r"tagged 'tttt.*\[\.\.\. "),
])
def test_parse_rejects_malformed_answers_with_a_reason(text, reason):
    with pytest.raises(ParseError, match=reason) as rejected:
        parse_response(text, "triton")
    assert len(str(rejected.value)) < 400


def test_parse_keeps_hip_as_text_and_bounds_python_depth():
    assert parse_response("```hip\nint main( {\n```", "hip")[0] == "int main( {\n"  # HIP is not Python
    code, _ = parse_response("```triton\nx = " + " + ".join(["a"] * 150) + "\n```", "triton")
    assert code.startswith("x = a + a")


def test_prompt_reports_on_the_latest_candidates_only():
    feedback = [Feedback(f"c{i}", False, "parse", "bad \udc80 " + "r" * 2000) for i in range(100)]
    prompt = PromptInput("triton", "k", "src", "port", {"n": 1}, feedback=feedback)
    text = build_messages(prompt)[1]["content"]
    assert "(76 earlier candidates not shown)" in text and "- c99:" in text and "- c75:" not in text
    assert "\\udc80" in text and "\udc80" not in text and len(text) < 30_000
    text.encode("utf-8")


def test_store_keeps_a_surrogate_answer_and_replays_it_verbatim(tmp_path):
    answer = "```triton\nx = '\udc80'\n```"
    messages = [{"role": "user", "content": "feedback with \udfff"}]  # keys hash even unencodable text
    ResponseStore(tmp_path, "record").complete(Scripted([answer]), messages, max_tokens=5, temperature=0)
    again, _, replayed = ResponseStore(tmp_path, "replay").complete(Scripted([]), messages, max_tokens=5,
                                                                    temperature=0)
    assert replayed and again.text == answer
    with pytest.raises(ParseError, match="lone surrogate"):
        parse_response(again.text, "triton")


class Failing(Scripted):
    def __init__(self, error):
        super().__init__([])
        self.error = error

    def complete(self, messages, *, max_tokens=4096, temperature=0.7):
        raise self.error


def test_store_records_failed_requests_and_replays_them(tmp_path):
    from porter.llm.providers import ProviderError

    for sample, error in enumerate([ProviderError("HTTP 500: busy", 500), AttributeError("no .get on list")]):
        with pytest.raises(ProviderError) as live:
            ResponseStore(tmp_path, "record").complete(Failing(error), MESSAGES, max_tokens=5, temperature=0,
                                                       sample=sample)
        with pytest.raises(ProviderError) as replay:
            ResponseStore(tmp_path, "replay").complete(Scripted([]), MESSAGES, max_tokens=5, temperature=0,
                                                       sample=sample)
        assert str(replay.value) == str(live.value) and not live.value.auth
    with pytest.raises(ProviderError):
        ResponseStore(tmp_path, "record").complete(Failing(ProviderError("key refused", 401)), MESSAGES,
                                                   max_tokens=5, temperature=0, sample=9)
    with pytest.raises(ReplayMissError):  # a refused key is not a recorded answer
        ResponseStore(tmp_path, "replay").complete(Scripted([]), MESSAGES, max_tokens=5, temperature=0, sample=9)


@pytest.mark.parametrize("content, reason", [
    (b'{"completion": {"text": "a", "input_tokens": 1, "output_tokens"', "unreadable .JSONDecodeError"),
    (b"\xff\xfe{}", "unreadable .UnicodeDecodeError"),
    (b"[" * 100_000 + b"]" * 100_000, "unreadable .RecursionError"),
    (b'"just text"', "not a JSON object"),
    (b'{"completion": {"text": "a", "input_tokens": "1", "output_tokens": 2, "model": "m"}}', "input_tokens"),
    (b'{"completion": {"input_tokens": 1, "output_tokens": true, "model": "m"}}', "text, output_tokens"),
    (b'{"error": 7}', "its error is not text"),
])
def test_unreadable_entries_raise_a_stored_entry_error(tmp_path, content, reason):
    from porter.llm.store import StoredEntryError

    _, key, _ = ResponseStore(tmp_path, "record").complete(Scripted(["a"]), MESSAGES, max_tokens=5, temperature=0)
    ResponseStore(tmp_path).path(key).write_bytes(content)
    with pytest.raises(StoredEntryError, match=f"stored answer {key}.*{reason}"):
        ResponseStore(tmp_path, "replay").complete(Scripted([]), MESSAGES, max_tokens=5, temperature=0)


def test_report_serializes_surrogates_and_huge_reasons():
    import json

    from porter.llm import report as reporting
    from porter.llm.harness import CandidateReport
    from porter.llm.loop import OptimizeResult

    bad = CandidateReport("c1", "x = '\udc80'\n", origin={"served_by": "m\ud800"}).reject(
        "run", "Traceback \udcff " + "y" * 1_000_000)
    result = OptimizeResult("triton", "k", "openai/m", "port", None, CandidateReport("port", "port", accepted=True),
                            [bad], Usage(), notes=["note \udc00"])
    data = json.loads(reporting.to_json(result))
    (candidate,) = data["candidates"]
    assert candidate["reason"].startswith("Traceback \\udcff y") and len(candidate["reason"]) < 5000
    assert candidate["origin"]["served_by"] == "m\\ud800" and data["notes"] == ["note \\udc00"]
    assert candidate["checks"][0]["detail"] == candidate["reason"]
    reporting.render(result).encode("utf-8")
