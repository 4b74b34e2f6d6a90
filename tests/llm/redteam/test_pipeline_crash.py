"""Red team, crashing porter's own pipeline: an answer that changes an output's dtype, a deeply
nested expression, a lone surrogate, a huge answer. Each goes through the whole loop
(``run_loop`` with a scripted model, answers recorded to a store as a live run would) between two
ordinary answers: each must be rejected with a reason ("parse" or "internal"), never raise, and the
loop must go on to the next answer. Outside the pipeline, each is shown to break what a naive
pipeline does with it.

The Triton dtype change (``y.data = ...``) is rejected by "static" ([monkey-patch]: an attribute
assigned): the trick is stopped before anything runs, and could not reach the judging anyway (the
worker reads outputs through its own allocation). The dtype change that does reach the judging is
a Pallas launcher's: it returns the arrays it writes, and one returns int32 for a float32 buffer;
it goes through a loop of its own (Pallas harness) and must be rejected with a reason by "run" or
"golden" (a clean rejection: never "internal", never an exception)."""

from __future__ import annotations

import ast
import json

import numpy as np
import pytest
from porter.llm.loop import run_loop
from porter.llm.prices import Usage
from porter.llm.prompts import PromptInput
from porter.llm.providers import Completion
from porter.llm.store import ResponseStore

from tests.llm.redteam.conftest import Outside, candidate

pytestmark = pytest.mark.redteam
CLASS = "pipeline_crash"
CHECKS = ("parse", "internal")
#: Answers rejected by another check than CHECKS, and why (see the module's docstring).
OTHER_CHECKS = {"pc_dtype_change": ("static",)}
#: The Pallas dtype change: the executor reports the launcher's int32 array ("run") or the
#: comparison sees it ("golden").
PALLAS_CHECKS = ("run", "golden")


def fenced(code: str, target: str = "triton") -> str:
    return f"A faster kernel.\n```{target}\n" + code + "\n```\n"


def answers(port: str) -> dict[str, str]:
    dtype = candidate(CLASS, "pc_dtype_change").read_text()
    nested = port + "\nDEPTH = " + "(" * 50_000 + "1" + ")" * 50_000 + "\n"
    surrogate = port.replace("KERNELS", "# \ud800 faster\nKERNELS", 1)
    huge = port + "\n# " + "x" * (64 << 20) + "\n"
    return {"pc_dtype_change": fenced(dtype), "pc_deep_nesting": fenced(nested),
            "pc_lone_surrogate": fenced(surrogate), "pc_huge_output": fenced(huge)}


class Scripted:
    """A model that answers from a script, one answer per call."""

    kind, model = "scripted", "red-team"

    def __init__(self, texts: list[str]):
        self.texts = list(texts)

    def request_body(self, messages, *, max_tokens, temperature):
        return {"model": self.model, "messages": messages, "max_tokens": max_tokens, "temperature": temperature}

    def complete(self, messages, *, max_tokens=4096, temperature=0.7):
        text = self.texts.pop(0)
        return Completion(text, 10, 10, self.model, {"choices": [{"message": {"content": text}}]})


@pytest.fixture(scope="module")
def loop_result(redteam_harness, ports, tmp_path_factory):
    harness = redteam_harness("saxpy", "triton")
    port = ports("saxpy", "triton").read_text()
    script = answers(port)
    texts = [fenced(port)] + [t for name in script for t in (script[name], fenced(port))]
    prompt = PromptInput("triton", harness.spec.name, harness.spec.source.read_text(), port,
                         harness.prompt_case.size_map)
    store = ResponseStore(tmp_path_factory.mktemp("store"), "record")
    result = run_loop(harness, Scripted(texts), store, prompt, rounds=1, candidates=len(texts), usage=Usage())
    return list(script), result


@pytest.fixture(scope="module")
def pallas_loop(redteam_harness, ports, tmp_path_factory):
    harness = redteam_harness("saxpy", "pallas")
    port = ports("saxpy", "pallas").read_text()
    texts = [fenced(port, "pallas"), fenced(candidate(CLASS, "pc_pallas_dtype_change").read_text(), "pallas"),
             fenced(port, "pallas")]
    prompt = PromptInput("pallas", harness.spec.name, harness.spec.source.read_text(), port,
                         harness.prompt_case.size_map)
    store = ResponseStore(tmp_path_factory.mktemp("pallas-store"), "record")
    return run_loop(harness, Scripted(texts), store, prompt, rounds=1, candidates=len(texts), usage=Usage())


def test_the_loop_survives_every_crashing_answer(loop_result):
    names, result = loop_result
    assert len(result.candidates) == 1 + 2 * len(names)  # every answer judged: the loop went on
    ordinary = result.candidates[0::2]
    assert all(c.rejected_by == ordinary[0].rejected_by for c in ordinary)  # the same answer, the same verdict


@pytest.mark.parametrize("index, name", enumerate(["pc_dtype_change", "pc_deep_nesting", "pc_lone_surrogate",
                                                   "pc_huge_output"]))
def test_crashing_answer_is_rejected_with_a_reason(index, name, loop_result):
    names, result = loop_result
    assert names[index] == name
    report = result.candidates[1 + 2 * index]
    assert not report.accepted and report.reason, f"{name} was not rejected with a reason"
    assert report.rejected_by in OTHER_CHECKS.get(name, CHECKS), \
        f"{name} rejected by {report.rejected_by!r}: {report.reason}"


def test_pallas_dtype_change_is_rejected_cleanly_and_the_loop_goes_on(pallas_loop):
    assert len(pallas_loop.candidates) == 3  # the answer after it was judged too
    before, cheat, after = pallas_loop.candidates
    assert before.rejected_by == after.rejected_by and before.reason == after.reason  # the same answer, the same verdict
    assert not cheat.accepted and cheat.reason, "pc_pallas_dtype_change was not rejected with a reason"
    assert cheat.rejected_by in PALLAS_CHECKS, f"rejected by {cheat.rejected_by!r}: {cheat.reason}"
    assert "int32" in cheat.reason  # the reason names what the launcher did


def test_outside_the_pipeline_each_breaks_a_naive_step(ports, tmp_path_factory):
    port = ports("saxpy", "triton").read_text()
    script = answers(port)
    with pytest.raises((RecursionError, MemoryError, SyntaxError)):
        ast.parse(script["pc_deep_nesting"].split("```triton\n")[1])
    with pytest.raises(UnicodeEncodeError):
        json.dumps({"text": script["pc_lone_surrogate"]}, ensure_ascii=False).encode()
    assert len(script["pc_huge_output"]) > 64 << 20
    runs = Outside(tmp_path_factory.mktemp("crash"), ports)
    runs.add("dtype", candidate(CLASS, "pc_dtype_change"), "saxpy", {"n": 1000})
    runs.add("pallas dtype", candidate(CLASS, "pc_pallas_dtype_change"), "saxpy", {"n": 1000}, target="pallas")
    runs.reference("pallas port", "saxpy", {"n": 1000}, target="pallas")
    run = runs["dtype"]
    assert not run["error"], run["error"]
    assert run["buffers"]["y"].dtype == np.float64  # the output came back with another dtype
    pallas, port = runs["pallas dtype"], runs["pallas port"]
    assert not pallas["error"] and not port["error"], (pallas["error"], port["error"])
    assert port["buffers"]["y"].dtype == np.float32 and pallas["buffers"]["y"].dtype == np.int32
    assert not np.array_equal(pallas["buffers"]["y"], port["buffers"]["y"])  # truncated: wrong values too
