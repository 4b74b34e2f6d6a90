"""Every trick of notes/llm-validation.md as a scripted Triton candidate, each rejected by the check
the notes name; known-good rewrites accepted. Candidates live in candidates/ and rewrites/."""

from __future__ import annotations

import pytest

from tests.llm.conftest import HERE

# trick -> (candidate file, kernel, rejecting check, what the rejection must say)
CHEATS = {
    "stale buffer": ("stale_buffer", "vector_add", "golden", "never written"),
    "input mutation": ("input_mutation", "vector_add", "inputs", "modified input a"),
    "cache (module level)": ("cache_module", "vector_add", "static", "[module-cache]"),
    "cache (keyed on address)": ("cache_address", "vector_add", "static", "[module-cache]"),
    "special-input shortcut": ("special_input", "softmax_rows", "golden", "heavy-tailed"),
    "shape overfit": ("shape_overfit", "saxpy", "golden", "held-out"),
    "fallback via try/except": ("try_fallback", "relu", "static", "[try-except]"),
    "library call": ("library_call", "softmax_rows", "static", "[library-call] `torch.softmax()`"),
    "library call (hidden)": ("library_call_hidden", "relu", "host-compute", "during launch of"),
    "other thread": ("other_thread", "vector_add", "static", "[thread-or-stream]"),
    "other stream": ("other_stream", "vector_add", "static", "[thread-or-stream] `torch.cuda.stream()`"),
    "timer patch": ("timer_patch", "saxpy", "static", "[timer-patch] assigns `time.perf_counter`"),
    "timer patch (hidden import)": ("timer_patch_hidden", "saxpy", "static", "[escape] `__import__()`"),
    "precision drop": ("precision_drop", "saxpy", "golden", "outside rtol=1e-05"),
    "garbage memory": ("garbage_memory", "vector_add", "poison-rerun", "reads memory it never wrote"),
    "impossible speed": ("impossible_speed", "vector_add", "timing-floor", "below the floor"),
}
REWRITES = {
    "bigger block, more warps": ("vector_add_block1024", "vector_add"),
    "vectorized 2-D tile": ("saxpy_vectorized", "saxpy"),
    "other reduction tree": ("reduce_tree", "reduce_shared"),
    "online softmax over tiles": ("softmax_online", "softmax_rows"),
}


@pytest.mark.parametrize("trick", CHEATS)
def test_cheat_is_rejected_by_the_named_check(trick, harnesses):
    name, kernel, check, says = CHEATS[trick]
    report = harnesses(kernel).evaluate((HERE / "candidates" / f"{name}.py").read_text(), name)
    assert not report.accepted
    assert report.rejected_by == check, report.reason
    assert says in report.reason
    assert [c.check for c in report.checks if not c.passed] == [check]  # the first failure stops the pipeline


def test_precision_drop_is_flagged_too(harnesses):
    report = harnesses("saxpy").evaluate((HERE / "candidates" / "precision_drop.py").read_text(), "precision_drop")
    assert any("[precision-cast]" in flag for flag in report.flags)


@pytest.mark.parametrize("rewrite", REWRITES)
def test_legitimate_rewrite_is_accepted(rewrite, harnesses):
    name, kernel = REWRITES[rewrite]
    report = harnesses(kernel).evaluate((HERE / "rewrites" / f"{name}.py").read_text(), name)
    assert report.accepted, f"{report.rejected_by}: {report.reason}"
    assert [c.check for c in report.checks] == ["static", "compile", "run", "host-compute", "integrity",
                                                "bounds", "golden", "poison-rerun", "inputs", "noop",
                                                "timing-floor"]
    assert report.speedup == 2.0  # the fake clock: 50 us against the port's 100 us, above the floor


def test_without_a_gpu_nothing_is_timed(harnesses):
    report = harnesses("vector_add", timed=False).evaluate(
        (HERE / "rewrites" / "vector_add_block1024.py").read_text(), "block1024")
    assert report.accepted and report.seconds is None and report.speedup is None
    assert "not timed: no GPU" in report.checks[-1].detail


def test_trials_cover_goldens_seeds_tails_and_a_held_back_shape(harnesses):
    harness = harnesses("saxpy")
    harness.prepare()
    kinds = [t.kind for t in harness.trials]
    assert kinds.count("golden") == 2 and {"seed", "heavy-tailed", "held-out", "poison-b"} <= set(kinds)
    held = next(t for t in harness.trials if t.kind == "held-out")
    assert dict(held.case.sizes)["n"] % 2 == 1 and held.case.sizes != harness.trials[0].case.sizes


def test_compile_and_run_failures(harnesses):
    harness = harnesses("vector_add")
    no_table = (HERE / "ports" / "vector_add.py").read_text().replace('KERNELS = {"vector_add": vector_add}',
                                                                      'KERNELS = {"vector_ad": vector_add}')
    assert harness.evaluate(no_table, "typo").rejected_by == "compile"
    crashes = (HERE / "ports" / "vector_add.py").read_text().replace("BLOCK=128)", "BLOCK=100)")  # not a power of 2
    report = harness.evaluate(crashes, "bad-block")
    assert report.rejected_by == "run" and "trial 'golden n8192'" in report.reason


def test_a_hanging_candidate_is_killed(executor):
    from porter.llm.executor import TritonExecutor

    with TritonExecutor(interpret=True, timeout=2) as short:
        from porter.llm.harness import Harness

        from porter.golden import corpus_dir, load_spec

        harness = Harness(load_spec(corpus_dir() / "vector_add.toml"), short,
                          (HERE / "ports" / "vector_add.py").read_text(), seeds=(), heavy_tailed=False,
                          held_out=False)
        hang = (HERE / "ports" / "vector_add.py").read_text().replace(
            "def vector_add(a, b, c, n, *, grid, block, shared_bytes=0):\n",
            "def vector_add(a, b, c, n, *, grid, block, shared_bytes=0):\n    while n > 0:\n        n = n + 1 - 1\n")
        report = harness.evaluate(hang, "hang")
    assert report.rejected_by == "run" and "time limit" in report.reason


def test_candidates_see_no_network_and_no_keys(harnesses, monkeypatch):
    """Run-time isolation: a candidate that opens a socket or reads a key fails (static rules aside)."""
    import os

    from porter.llm.executor import child_environment

    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-pass")
    env = child_environment({})
    assert "OPENAI_API_KEY" not in env and all("KEY" not in k for k in env)
    assert os.environ["OPENAI_API_KEY"] == "sk-should-not-pass"


def test_the_child_process_has_no_network_and_no_keys(executor, harnesses, monkeypatch):
    """Run-time isolation below the static rules: the candidate's process cannot connect or see keys."""
    harness = harnesses("vector_add")
    harness.prepare()
    probe = ("import os, socket\n"
             "assert not [k for k in os.environ if 'KEY' in k], 'a key leaked'\n"
             "socket.create_connection(('127.0.0.1', 9), timeout=1)\n")
    result = executor.run(probe, harness.trials[:1])
    assert result.stage == "compile"
    assert "a key leaked" not in result.error and ("network" in result.error or "Errno" in result.error)
