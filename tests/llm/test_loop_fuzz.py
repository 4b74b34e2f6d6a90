"""The loop under a fuzzed stream of malformed model answers: nothing escapes, every candidate is
rejected with a reason, the report serializes, and a replay of the stored run gives the same verdicts.

Answers travel the real path: an OpenAI-style HTTP body (through httpx's mock transport, so the
provider's own JSON and shape checks run), the response store, the strict parser, the real
:class:`~porter.llm.harness.Harness` with its static guards. Only the executor is a fake (a
candidate in the sandbox takes seconds; this one answers at once, deterministically from the
code's hash: compile errors, crashes, time-outs, right and wrong outputs, a changed dtype, a
missing buffer, an exception of its own).

    PORTER_LLM_FUZZ=5000 python -m pytest -q -p no:xdist tests/llm/test_loop_fuzz.py

runs a bigger campaign (default 500 answers; the seed is PORTER_LLM_FUZZ_SEED, default 19).
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import random
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from porter.llm import report as reporting
from porter.llm.executor import RunResult, Trial
from porter.llm.harness import Harness
from porter.llm.loop import run_loop
from porter.llm.prices import Usage
from porter.llm.prompts import MAX_ANSWER, PromptInput
from porter.llm.providers import OpenAIChat, ProviderError, RetryPolicy
from porter.llm.store import ResponseStore

from porter.golden import corpus_dir, load_spec
from tests.llm.conftest import HERE, port
from tests.llm.servers import openai_body

COUNT = int(os.environ.get("PORTER_LLM_FUZZ", "500"))
SEED = int(os.environ.get("PORTER_LLM_FUZZ_SEED", "19"))
PER_ROUND = 100
#: Where a candidate may be stopped; "provider" is a request that failed, "internal" porter's own failure.
VERDICTS = {"provider", "parse", "static", "compile", "run", "host-compute", "integrity", "bounds", "golden",
            "poison-rerun", "inputs", "noop", "timing-floor", "internal"}


# -- the fake executor -------------------------------------------------------------------------------
class FakeExecutor:
    """The executor Protocol without running anything: vector_add's right outputs for the port, and
    for a candidate one of eight behaviours picked by the hash of its code."""

    target = "triton"
    can_time = False

    def __init__(self, reference: str):
        self.reference = reference
        self.runs = 0

    def run(self, module_source: str, trials: list[Trial], *, time_it: bool = False) -> RunResult:
        self.runs += 1
        with np.errstate(all="ignore"):  # special-value trials add infinities of both signs
            right = [{**{k: np.array(v, copy=True) for k, v in t.inputs.items()},
                      "c": (t.inputs["a"] + t.inputs["b"]).astype(np.float32)} for t in trials]
        if module_source == self.reference:
            return RunResult(True, "done", outputs=right, wall=0.001)
        behaviour = hashlib.sha256(module_source.encode()).digest()[0] % 8
        if behaviour == 0:
            return RunResult(False, "compile", "SyntaxError: invalid syntax (candidate.py, line 3)")
        if behaviour == 1:  # a candidate's own output: a lone surrogate, a NUL and 100k characters
            return RunResult(False, "run", "Traceback ...\nValueError: \udc80\x00" + "x" * 100_000)
        if behaviour == 2:
            return RunResult(False, "timeout", "ran past the time limit of 60 s")
        if behaviour == 3:
            return RunResult(True, "done", outputs=right, wall=0.001)
        if behaviour == 4:  # the candidate changed an output's dtype
            return RunResult(True, "done", outputs=[{**o, "c": o["c"].astype(np.float64)} for o in right])
        if behaviour == 5:  # an output missing
            return RunResult(True, "done", outputs=[{k: v for k, v in o.items() if k != "c"} for o in right])
        if behaviour == 6:
            raise OSError("the fake executor's job folder vanished")
        return RunResult(True, "done", outputs=[{**o, "c": np.zeros_like(o["c"])} for o in right])

    def close(self) -> None:
        pass


# -- the answers ---------------------------------------------------------------------------------------
VALID = [(HERE / "rewrites" / "vector_add_block1024.py").read_text(), port("vector_add")] + [
    p.read_text() for p in sorted((HERE / "candidates").glob("*.py"))]


def fenced(code: str, tag: str = "triton", why: str = "Faster.") -> str:
    return f"{why}\n```{tag}\n{code.rstrip()}\n```\n"


def nested(rng: random.Random) -> str:
    depth = rng.choice([300, 1000, 5000])
    shapes = ["-" * depth + "1", "(" * depth + "1" + ")" * depth, "[" * depth + "]" * depth,
              "not " * depth + "a", "lambda: " * depth + "1", "f(" * depth + ")" * depth, "a" + ".b" * depth,
              "{" * depth + "}" * depth]
    return f"x = {rng.choice(shapes)}\n"


def long_sum(rng: random.Random) -> str:
    terms = rng.choice([150, 250, 3000, 100_000])
    return "def f(a):\n    return " + " + ".join(rng.choice(["a", "1", "a[0]"]) for _ in range(terms)) + "\n"


def junk(rng: random.Random, size: int) -> str:
    data = bytes(rng.getrandbits(8) for _ in range(size))
    return data.decode(rng.choice(["latin-1", "utf-8"]), errors="surrogateescape" if rng.random() < 0.5
                       else "replace")


def answer_text(rng: random.Random, kind: str) -> object:
    code = rng.choice(VALID)
    if kind == "valid":
        return fenced(code)
    if kind == "truncated":
        cut = fenced(code)[: rng.randrange(1, len(fenced(code)))]
        return cut + ("\n```\n" if rng.random() < 0.5 else "")
    if kind == "truncated-code":
        return fenced(code[: rng.randrange(1, len(code))])
    if kind == "surrogate":
        text, at = fenced(code), rng.randrange(0, len(code))
        return text[:at] + chr(rng.randrange(0xD800, 0xE000)) + text[at:]
    if kind == "nul":
        at = rng.randrange(0, len(code))
        return fenced(code[:at] + "\x00" + code[at:])
    if kind == "huge":
        return fenced(code + "#" + "x" * (2 * MAX_ANSWER)) if rng.random() < 0.5 else "y" * (2 << 20)
    if kind == "huge-code":
        return fenced(code + "\n# " + "z" * 300_000)
    if kind == "nested":
        return fenced(nested(rng))
    if kind == "sum":
        return fenced(long_sum(rng))
    if kind == "not-the-contract":
        return fenced(rng.choice(["print('hello')\n", "def f():\n    pass\n", "import os\nos.system('true')\n",
                                  "class K:\n    x = 1\n", "KERNELS = {}\n", "x: int = 1\n",
                                  "import triton\n\n@triton.jit\ndef k():\n    pass\n\nKERNELS = {'vector_add': k}\n",
                                  "if True:\n\tx = 1\n        y = 2\n", "async def f():\n    await g()\n"]))
    if kind == "binary":
        return junk(rng, rng.choice([16, 4096]))
    if kind == "binary-fenced":
        return fenced(junk(rng, 512))
    if kind == "empty":
        return rng.choice(["", " ", "\n\n", "\t"])
    if kind == "wrong-language":
        return rng.choice([fenced("__global__ void k(float* a) { a[0] = 1; }", "cuda"), fenced(code, "python"),
                           fenced("fn main() {}", "rust"), "Voici une version plus rapide du noyau.",
                           fenced("#include <hip/hip_runtime.h>", "hip"), fenced(code, "")])
    if kind == "fences":
        return rng.choice([fenced(code) + fenced(code), "```triton\n```triton\n```", "```triton\nx = 1\n``` text",
                           fenced(code, why="w" * 5000), "````triton\nx = 1\n````", fenced(code).replace("\n", "\r\n"),
                           "\ufeff" + fenced(code), fenced("x = 1", "triton " + "t" * 100_000)])
    if kind == "not-text":
        return rng.choice([None, 42, ["```triton", "x = 1", "```"], {"code": "x = 1"}, True])
    raise AssertionError(kind)


def http_response(rng: random.Random) -> tuple[str, object]:
    """(kind, what the server sends): an httpx.Response, or an exception the transport raises."""
    roll = rng.random()
    if roll < 0.10:  # the provider's own body is broken
        kind = rng.choice(["bad-json", "truncated-json", "binary-body", "json-list", "no-choices", "deep-json",
                           "bad-usage", "http-500", "http-400", "timeout"])
        body = json.dumps(openai_body(fenced(rng.choice(VALID))))
        payloads = {"bad-json": b"{not json", "truncated-json": body[: rng.randrange(1, len(body))].encode(),
                    "binary-body": bytes(rng.getrandbits(8) for _ in range(64)), "json-list": b"[1, 2, 3]",
                    "no-choices": b'{"model": "m", "choices": []}', "deep-json": b"[" * 100_000 + b"]" * 100_000,
                    "bad-usage": json.dumps({**json.loads(body), "usage": {"prompt_tokens": "many"}}).encode()}
        if kind == "timeout":
            return kind, httpx.ReadTimeout("scripted time-out")
        if kind.startswith("http-"):
            error = {"error": {"message": "scripted \udc80 failure"}}  # a lone surrogate, JSON-escaped
            return kind, httpx.Response(int(kind[5:]), content=json.dumps(error).encode())
        return kind, httpx.Response(200, content=payloads[kind])
    kind = rng.choice(["valid", "truncated", "truncated-code", "surrogate", "nul", "huge", "huge-code", "nested",
                       "sum", "not-the-contract", "binary", "binary-fenced", "empty", "wrong-language", "fences",
                       "not-text"])
    text = answer_text(rng, kind)
    body = openai_body("") | {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}}]}
    return kind, httpx.Response(200, content=json.dumps(body).encode())  # ASCII JSON: \\udXXX escapes survive


def stream(count: int, seed: int) -> list[tuple[str, object]]:
    rng = random.Random(seed)
    return [http_response(rng) for _ in range(count)]


class Transport(httpx.BaseTransport):
    """Answers each request with the next scripted response; fails loudly when asked once too often."""

    def __init__(self, responses):
        self.responses = list(responses)
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.calls >= len(self.responses):
            raise AssertionError("a request the script did not expect (a replay must never call out)")
        response = self.responses[self.calls][1]
        self.calls += 1
        if isinstance(response, Exception):
            raise response
        return httpx.Response(response.status_code, content=response.content, headers=response.headers)


def provider(transport) -> OpenAIChat:
    return OpenAIChat("fuzz-model", "http://127.0.0.1:9/v1", None, timeout=5, transport=transport,
                      retry=RetryPolicy(attempts=1), sleep=lambda s: None)


# -- the runs ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def harness():
    spec = load_spec(corpus_dir() / "vector_add.toml")
    made = Harness(spec, FakeExecutor(port("vector_add")), port("vector_add"))
    made.prepare()
    return made


def loop(harness, transport, store: ResponseStore, count: int):
    spec = harness.spec
    prompt = PromptInput("triton", spec.name, spec.source.read_text(), port("vector_add"), spec.cases[0].size_map)
    return run_loop(harness, provider(transport), store, prompt, rounds=-(-count // PER_ROUND),
                    candidates=min(count, PER_ROUND), usage=Usage())


def verdicts(result):
    return [(c.name, c.rejected_by, c.reason, c.code_sha256) for c in result.candidates]


def test_fuzzed_answers_are_all_rejected_with_a_reason_and_replay_the_same(harness, tmp_path):
    script = stream(COUNT, SEED)
    started = time.perf_counter()
    recorded = loop(harness, Transport(script), ResponseStore(tmp_path, "record"), COUNT)
    live = time.perf_counter() - started

    assert len(recorded.candidates) == COUNT  # every answer, a failed request too, is one verdict
    kinds = collections.Counter()
    for (kind, _), candidate in zip(script, recorded.candidates):
        assert candidate.accepted or (candidate.rejected_by in VERDICTS and candidate.reason.strip()), candidate
        kinds[(kind, candidate.rejected_by)] += 1
        if kind in ("surrogate", "nul", "huge", "huge-code", "empty", "not-text", "nested"):
            assert candidate.rejected_by == "parse", (kind, candidate.reason)
        if kind in ("bad-json", "truncated-json", "binary-body", "json-list", "no-choices", "deep-json",
                    "bad-usage", "http-500", "http-400", "timeout"):
            assert candidate.rejected_by == "provider", (kind, candidate.reason)
    data = json.loads(reporting.to_json(recorded))
    assert len(data["candidates"]) == COUNT
    assert all(len(c["reason"]) < 5000 for c in data["candidates"])
    reporting.render(recorded).encode("utf-8")  # printable as UTF-8, surrogates and all

    started = time.perf_counter()
    replayed = loop(harness, Transport([]), ResponseStore(tmp_path, "replay"), COUNT)
    replay = time.perf_counter() - started
    assert verdicts(replayed) == verdicts(recorded)
    assert replayed.prompts == recorded.prompts

    breakdown = collections.Counter(c.rejected_by or "accepted" for c in recorded.candidates)
    print(f"\n{COUNT} fuzzed answers (seed {SEED}): record {live:.1f} s, replay {replay:.1f} s; "
          f"{dict(sorted(breakdown.items(), key=lambda kv: -kv[1]))}")
    print("by answer kind:", dict(sorted(kinds.items(), key=lambda kv: (kv[0][0], str(kv[0][1])))))


def test_a_refused_key_stops_the_run_at_once(harness, tmp_path):
    refused = httpx.Response(401, content=b'{"error": {"message": "invalid api key"}}')
    transport = Transport([("auth", refused)] * 3)
    with pytest.raises(ProviderError, match=r"stopped at round1-candidate1: .*HTTP 401.*every other request") as stop:
        loop(harness, transport, ResponseStore(tmp_path, "record"), 3)
    assert stop.value.auth and transport.calls == 1
    assert not list(Path(tmp_path).rglob("*.json"))  # a refused key is not a recorded answer


def test_unreadable_stored_answers_are_skipped_with_a_note(harness, tmp_path):
    good = fenced(VALID[0])
    texts = [good, "```triton\nx = '\udc80'\n```", good + "\n", good + "\n\n", good + " ", "no code"]
    script = [("t", httpx.Response(200, content=json.dumps(openai_body(t)).encode())) for t in texts]
    recorded = loop(harness, Transport(script), ResponseStore(tmp_path, "record"), len(texts))
    assert "lone surrogate (U+DC80)" in recorded.candidates[1].reason
    paths = {c.name: ResponseStore(tmp_path).path(c.origin["store_key"]) for c in recorded.candidates}
    paths["round1-candidate1"].write_bytes(paths["round1-candidate1"].read_bytes()[:-40])  # truncated
    paths["round1-candidate3"].write_bytes(b"\xff\xfe not utf-8")
    entry = json.loads(paths["round1-candidate4"].read_text())
    del entry["completion"]["output_tokens"]
    paths["round1-candidate4"].write_text(json.dumps(entry))
    paths["round1-candidate5"].write_text("[]")

    replayed = loop(harness, Transport([]), ResponseStore(tmp_path, "replay"), len(texts))
    assert [c.name for c in replayed.candidates] == ["round1-candidate2", "round1-candidate6"]
    assert verdicts(replayed) == [v for v in verdicts(recorded) if v[0] in ("round1-candidate2", "round1-candidate6")]
    skipped = [n for n in replayed.notes if " skipped: stored answer " in n]
    assert [n.split(" ")[0] for n in skipped] == ["round1-candidate1", "round1-candidate3", "round1-candidate4",
                                                  "round1-candidate5"]
    assert "lacks a valid output_tokens" in skipped[2] and "not a JSON object" in skipped[3]
    json.loads(reporting.to_json(replayed))


def test_a_skipped_answer_ends_the_replay_where_the_prompts_part(harness, tmp_path):
    script = [("t", httpx.Response(200, content=json.dumps(openai_body("no code")).encode()))] * 200
    recorded = loop(harness, Transport(script), ResponseStore(tmp_path, "record"), 2 * PER_ROUND)
    first = ResponseStore(tmp_path).path(recorded.candidates[0].origin["store_key"])
    first.write_text("{")
    replayed = loop(harness, Transport([]), ResponseStore(tmp_path, "replay"), 2 * PER_ROUND)
    assert len(replayed.candidates) == PER_ROUND - 1  # round 2's prompt differs: stop there, keep round 1
    assert "replay stopped at round2-candidate1" in replayed.notes[-1]


class Exploding(Harness):
    """A harness whose judging fails in porter's own code (as a bug in a check would)."""

    def evaluate(self, code, name, origin=None):
        raise RecursionError("maximum recursion depth exceeded while judging")


def test_a_failure_in_the_harness_rejects_the_candidate_and_the_run_goes_on(tmp_path):
    spec = load_spec(corpus_dir() / "vector_add.toml")
    harness = Exploding(spec, FakeExecutor(port("vector_add")), port("vector_add"))
    script = [("t", httpx.Response(200, content=json.dumps(openai_body(fenced(VALID[0]))).encode()))] * 3
    result = loop(harness, Transport(script), ResponseStore(None, "live"), 3)
    assert [(c.rejected_by, c.reason) for c in result.candidates] == [
        ("internal", "RecursionError: maximum recursion depth exceeded while judging")] * 3
