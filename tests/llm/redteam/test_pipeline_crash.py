"""Red team, crashing porter's own pipeline: an answer that changes an output's dtype, a deeply
nested expression, a lone surrogate, a huge answer. Each goes through the whole loop
(``run_loop`` with a scripted model, answers recorded to a store as a live run would) between two
ordinary answers: each must be rejected with a reason ("parse" or "internal"), never raise, and the
loop must go on to the next answer. Outside the pipeline, each is shown to break what a naive
pipeline does with it."""

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


def fenced(code: str) -> str:
    return "A faster kernel.\n```triton\n" + code + "\n```\n"


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
    assert report.rejected_by in CHECKS, f"{name} rejected by {report.rejected_by!r}: {report.reason}"


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
    run = runs["dtype"]
    assert not run["error"], run["error"]
    assert run["buffers"]["y"].dtype == np.float64  # the output came back with another dtype
