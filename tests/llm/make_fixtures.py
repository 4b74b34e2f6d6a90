"""Regenerate tests/llm/fixtures/store: the recorded exchanges the loop tests replay.

    python -m tests.llm.make_fixtures

Records two runs of the loop (vector_add -> triton, 2 rounds x 2 candidates) against the local
test server, which answers as a model would from a script: a cheat, a malformed answer, a good
rewrite, another cheat. Run 1 has no clock (CPU); run 2 uses the tests' fake clock and peaks.
"""

from __future__ import annotations

import shutil

from porter.llm.executor import TritonExecutor
from porter.llm.harness import Harness
from porter.llm.loop import run_loop
from porter.llm.prices import Usage
from porter.llm.prompts import PromptInput
from porter.llm.providers import OpenAIChat
from porter.llm.store import ResponseStore

from porter.golden import corpus_dir, load_spec
from tests.llm.conftest import FAKE_PEAKS, HERE, fake_timer, port
from tests.llm.servers import ScriptedServer, openai_body

STORE = HERE / "fixtures" / "store"
MODEL = "scripted-model"


def fenced(name: str, folder: str, why: str = "") -> str:
    return (why + "\n" if why else "") + "```triton\n" + (HERE / folder / f"{name}.py").read_text() + "```\n"


ANSWERS = [
    fenced("garbage_memory", "candidates", "Skip work for elements already computed."),
    "Here are two options.\n```triton\nimport triton\n```\nor\n```triton\nimport torch\n```\n",
    fenced("vector_add_block1024", "rewrites", "Larger blocks and 8 warps amortize the launch."),
    fenced("other_stream", "candidates", "Overlap with a side stream."),
]


def provider(url: str) -> OpenAIChat:
    return OpenAIChat(MODEL, url, None, timeout=10)


def setup(timed: bool) -> tuple[Harness, PromptInput]:
    spec = load_spec(corpus_dir() / "vector_add.toml")
    harness = Harness(spec, EXECUTOR, port("vector_add"), peaks=FAKE_PEAKS if timed else None,
                      timer=fake_timer if timed else None)
    return harness, PromptInput("triton", spec.name, spec.source.read_text(), port("vector_add"),
                                spec.cases[0].size_map)


def record() -> None:
    shutil.rmtree(STORE, ignore_errors=True)
    for timed in (False, True):
        script = {"/v1/chat/completions": [(200, {}, openai_body(a, model=MODEL)) for a in ANSWERS]}
        with ScriptedServer(script) as server:
            harness, prompt = setup(timed)
            result = run_loop(harness, provider(server.url + "/v1"), ResponseStore(STORE, "record"), prompt,
                              rounds=2, candidates=2, usage=Usage())
        print(result.verdict)


if __name__ == "__main__":
    with TritonExecutor(interpret=True) as EXECUTOR:
        record()
