"""The whole loop, offline: responses replayed from the recorded store in fixtures/store."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from porter.llm import report as reporting
from porter.llm.harness import Harness
from porter.llm.loop import run_loop
from porter.llm.prices import Usage
from porter.llm.prompts import PromptInput
from porter.llm.store import ReplayMissError, ResponseStore

from porter.golden import corpus_dir, load_spec
from tests.llm.conftest import FAKE_PEAKS, HERE, fake_timer, port
from tests.llm.make_fixtures import MODEL, STORE, provider

OFFLINE = "http://127.0.0.1:9/v1"  # nothing listens there: a replay must never call out


def replay(executor, timed: bool, store=STORE):
    spec = load_spec(corpus_dir() / "vector_add.toml")
    harness = Harness(spec, executor, port("vector_add"), peaks=FAKE_PEAKS if timed else None,
                      timer=fake_timer if timed else None)
    prompt = PromptInput("triton", spec.name, spec.source.read_text(), port("vector_add"), spec.cases[0].size_map)
    return run_loop(harness, provider(OFFLINE), ResponseStore(store, "replay"), prompt, rounds=2, candidates=2,
                    usage=Usage())


def test_replayed_loop_without_a_gpu_keeps_the_port(executor):
    result = replay(executor, timed=False)
    assert [(c.name, c.rejected_by) for c in result.candidates] == [
        ("round1-candidate1", "poison-rerun"), ("round1-candidate2", "parse"),
        ("round2-candidate1", None), ("round2-candidate2", "static")]
    assert result.winner is None and result.code == port("vector_add")
    assert "nothing was timed (no GPU)" in result.verdict
    assert len(set(result.prompts)) == 2  # round 2's prompt carries round 1's feedback
    usage = result.usage.to_json()
    assert (usage["calls"], usage["replayed"], usage["input_tokens"], usage["cost_usd"]) == (4, 4, 400, None)
    assert "unknown price for openai/scripted-model" in usage["cost_note"]


def test_replayed_loop_with_a_clock_picks_the_winner(executor, tmp_path):
    result = replay(executor, timed=True)
    assert result.winner is not None and result.winner.name == "round2-candidate1"
    assert result.winner.speedup == 2.0 and result.code == result.winner.code
    data = json.loads(reporting.to_json(result))
    winner = next(c for c in data["candidates"] if c["name"] == "round2-candidate1")
    assert winner["origin"]["model"] == f"openai/{MODEL}" and winner["origin"]["replayed"]
    assert winner["origin"]["prompt_sha256"] == data["prompts_sha256"][1]
    assert [c["check"] for c in winner["checks"] if c["passed"]] == [
        "static", "compile", "run", "host-compute", "integrity", "bounds", "golden", "poison-rerun",
        "inputs", "noop", "timing-floor"]
    assert winner["seconds"] == 5e-5 and data["reference"]["seconds"] == 1e-4
    rejected = {c["name"]: c["rejected_by"] for c in data["candidates"] if not c["accepted"]}
    assert rejected == {"round1-candidate1": "poison-rerun", "round1-candidate2": "parse",
                        "round2-candidate2": "static"}
    text = reporting.render(result)
    assert "replaces the deterministic port" in text and "rejected by poison-rerun" in text


def test_replay_miss_names_the_key(executor, tmp_path):
    with pytest.raises(ReplayMissError, match=r"no recorded response for key [0-9a-f]{64}"):
        replay(executor, timed=False, store=tmp_path)


def test_cli_replays_offline(tmp_path, monkeypatch):
    from porter.llm.cli import optimize

    monkeypatch.setenv("OPENAI_API_KEY", "sk-cli-secret-value")
    report, output = tmp_path / "report.json", tmp_path / "kept.py"
    args = [str(corpus_dir() / "vector_add.cu"), "--to", "triton", "--model", f"openai/{MODEL}", "--base-url",
            OFFLINE, "--rounds", "2", "--candidates", "2", "--store", str(STORE), "--mode", "replay",
            "--port", str(HERE / "ports" / "vector_add.py"), "--report", str(report), "-o", str(output)]
    run = CliRunner().invoke(optimize, args)
    assert run.exit_code == 0, run.output
    assert "the deterministic port stands" in run.output and "rejected by poison-rerun" in run.output
    assert output.read_text() == port("vector_add")
    assert "sk-cli-secret-value" not in run.output + report.read_text()
    miss = CliRunner().invoke(optimize, args[:3] + ["--model", "openai/other-model"] + args[5:])
    assert miss.exit_code == 1 and "no recorded response for key" in miss.output


def test_the_deterministic_port_instantiates_the_template_kernels_the_spec_launches():
    """reduce_shared launches ``reduce_sum<256>``: the port the loop starts from must define it
    (without the instance the port fails to run and every candidate is judged against nothing)."""
    from porter.golden import corpus_dir, load_spec
    from porter.llm.loop import _deterministic_port

    spec = load_spec(corpus_dir() / "reduce_shared.toml")
    assert spec.instances == ("reduce_sum<256>",)
    code = _deterministic_port(corpus_dir() / "reduce_shared.cu", "triton", spec.instances)
    table = next(line for line in code.splitlines() if line.startswith("KERNELS = "))
    assert "'reduce_sum<256>':" in table
