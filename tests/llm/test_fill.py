"""Fill mode (porter.llm.fill): kernels porter's passes refuse, written by a model and kept only when
they pass every check against the goldens, one per refusal class (bitonic_sort -> triton: P04xx,
collatz -> pallas: P06xx, int_hash -> nki: P07xx); cheats of every class tried in fill mode, all
rejected (on bitonic_sort -> triton, and three on int_hash -> nki).

The model's answers are replayed from ``fixtures/fill/store`` (written for these tests: the answers
are the modules in ``fixtures/fill/answers`` and ``fixtures/fill/cheats``). After changing an
answer, the fill prompt or a refused kernel's diagnostics, re-record them with::

    python -m tests.llm.test_fill
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from porter.llm.fill import FillPrompt, FillRefused, build_messages, fill, refusal
from porter.llm.harness import CHECKS, cuda_reference_outputs
from porter.llm.providers import Completion, OpenAIChat
from porter.llm.store import ResponseStore

from porter.golden import corpus_dir, load_spec
from tests.llm.conftest import HERE

FILL = HERE / "fixtures" / "fill"
STORE = FILL / "store"
MODEL = "scripted-model"
KERNELS = corpus_dir()

# kernel -> (target, port options, answer module, the refusal it fills)
FILLS = {
    "bitonic_sort": ("triton", {}, "bitonic_sort_triton", "P0403"),
    "collatz": ("pallas", {"flavor": "tpu"}, "collatz_pallas", "P0608"),
    "int_hash": ("nki", {}, "int_hash_nki", "P0708"),
}
# Cheats in fill mode, all on bitonic_sort -> triton, answered in this order (one sample each), the
# real fill last: class -> (answer, the checks that may reject it: the class's check first).
CHEATS = {
    "shares-process": ("shares_process", ("static", "integrity")),
    "host-compute": ("host_compute", ("host-compute", "noop")),
    "static-bypass": ("static_bypass", ("static",)),
    "narrow-trials": ("narrow_grid_cap", ("golden",)),
    "out-of-bounds": ("one_past_end", ("bounds",)),
    "program-order": ("next_segment_race", ("golden",)),
    "read-the-answer": ("read_golden", ("static",)),
    "machine": ("run_shell", ("static",)),
    "pipeline-crash (two code blocks)": ("", ("parse",)),
    "pipeline-crash (lone surrogate)": ("", ("parse", "internal")),
}
# Cheats in fill mode on int_hash -> nki (porter's NKI model), answered before the real fill:
# class -> (answer, the checks that may reject it).
NKI_CHEATS = {
    "host-compute": ("host_compute_nki", ("noop",)),
    "narrow-trials": ("narrow_tile_cap_nki", ("golden",)),
    "read-the-answer": ("read_golden_nki", ("static",)),
}
RAW = {
    "pipeline-crash (two code blocks)": "Two options.\n```triton\nimport triton\n```\nor\n```triton\nimport torch\n```\n",
    "pipeline-crash (lone surrogate)": "```triton\nimport triton\n\nNAME = '\udc80'\n```\n",
}


def fenced(path: Path, fence: str) -> str:
    return f"```{fence}\n{path.read_text()}```\n"


def answers(kernel: str) -> list[str]:
    target, _, answer, _ = FILLS[kernel]
    good = fenced(FILL / "answers" / f"{answer}.py", target)
    if kernel == "int_hash":
        return [fenced(FILL / "cheats" / f"{name}.py", target) for name, _ in NKI_CHEATS.values()] + [good]
    if kernel != "bitonic_sort":
        return [good]
    return [RAW[c] if c in RAW else fenced(FILL / "cheats" / f"{name}.py", target)
            for c, (name, _) in CHEATS.items()] + [good]


def provider() -> OpenAIChat:
    """The replayed model (never contacted: the store answers)."""
    return OpenAIChat(MODEL, "http://127.0.0.1:9/v1", None, timeout=1)


def run_fill(kernel: str, executor, **kwargs):
    target, options, _, _ = FILLS[kernel]
    return fill(KERNELS / f"{kernel}.cu", target, provider=provider(), store=STORE, mode="replay",
                executor=executor, rounds=1, candidates=len(answers(kernel)), options=options, **kwargs)


@pytest.fixture(scope="module")
def pallas_executor():
    pytest.importorskip("jax")
    from porter.llm.pallas_executor import PallasExecutor

    running = PallasExecutor(timeout=120)
    yield running
    running.close()


@pytest.fixture(scope="module")
def nki_executor():
    from porter.llm.nki_executor import NkiExecutor

    running = NkiExecutor(timeout=120)
    yield running
    running.close()


@pytest.fixture(scope="module")
def nki_run(nki_executor):
    return run_fill("int_hash", nki_executor)


@pytest.fixture(scope="module")
def cheat_run(executor):
    return run_fill("bitonic_sort", executor)


# -- which kernels are refused, and what is refused before any model is asked ------------------------
def test_the_filled_kernels_are_refused_by_the_passes():
    for kernel, (target, options, _, code) in FILLS.items():
        refused = refusal(KERNELS / f"{kernel}.cu", target, **options)
        assert refused is not None and code in refused.codes, kernel
    assert refusal(KERNELS / "saxpy.cu", "triton") is None


def test_a_ported_kernel_is_not_filled():
    with pytest.raises(FillRefused, match="nothing to fill"):
        fill(KERNELS / "saxpy.cu", "triton", provider=provider(), store=STORE, mode="replay")


def test_a_source_that_does_not_parse_is_not_filled(tmp_path):
    broken = tmp_path / "broken.cu"
    broken.write_text("__global__ void k(float* x) { x[0] = ; \n")
    with pytest.raises(FillRefused, match="reasons a model does not fill"):
        refusal(broken, "triton")


def test_without_goldens_nothing_is_asked(tmp_path, executor):
    for suffix in (".cu", ".toml"):
        shutil.copy(KERNELS / f"bitonic_sort{suffix}", tmp_path / f"bitonic_sort{suffix}")
    with pytest.raises(FillRefused, match="without goldens"):  # an empty store: asking would be a replay miss
        fill(tmp_path / "bitonic_sort.cu", "triton", provider=provider(), store=tmp_path / "empty", mode="replay",
             executor=executor)
    (tmp_path / "bitonic_sort.toml").unlink()
    with pytest.raises(FillRefused, match="no golden spec"):
        fill(tmp_path / "bitonic_sort.cu", "triton", provider=provider(), store=tmp_path / "empty", mode="replay")


def test_when_the_cpu_reference_cannot_run_only_goldens_count(tmp_path):
    from porter.golden.store import default_store, load
    from porter.llm.executor import Trial

    from porter.golden.resolve import resolve_case

    spec = load_spec(KERNELS / "bitonic_sort.toml")
    case = spec.cases[0]
    golden = load(default_store(spec.path), spec.name, case.name)
    trial = Trial(f"golden {case.name}", "golden", resolve_case(spec, case), golden.inputs)
    source = tmp_path / "bitonic_sort.cu"
    source.write_text(spec.source.read_text().replace("__syncthreads();", 'asm volatile(""); __syncthreads();', 1))
    shutil.copy(spec.path, tmp_path / "bitonic_sort.toml")
    notes: list[str] = []
    found = cuda_reference_outputs(load_spec(tmp_path / "bitonic_sort.toml"), [trial], [(trial, golden.outputs)],
                                   notes)
    assert found == [None] and "cannot run" in notes[0] and "only the recorded goldens count" in notes[0]


# -- fills accepted -------------------------------------------------------------------------------
def _check_kept(result, kernel):
    target, _, answer, code = FILLS[kernel]
    assert result.kept is not None, [(c.name, c.rejected_by, c.reason[:300]) for c in result.candidates]
    assert code in result.refusal.codes
    checks = [c.check for c in result.kept.checks]
    assert checks == [c for c in CHECKS if c in checks] and all(c.passed for c in result.kept.checks)
    assert {"static", "compile", "run", "golden", "poison-rerun", "inputs", "noop"} <= set(checks)
    # the CPU reference gave the expected outputs of trials beyond the recorded goldens
    assert any(not t.startswith("golden") for t in result.trials), result.notes
    text = result.code
    assert text.startswith("# MODEL-WRITTEN: porter refuses to port") and code in text.splitlines()[0]
    for what in (f"model: openai/{MODEL}", f"prompt sha256: {result.kept.origin['prompt_sha256']}",
                 f"store key: {result.kept.origin['store_key']}", f"written: {result.written}", "checks passed: static"):
        assert what in text
    assert text.endswith((FILL / "answers" / f"{answer}.py").read_text())
    data = json.loads(json.dumps(result.to_json()))
    assert data["mode"] == "fill" and data["kept"]["model_written"] and data["kept"]["origin"]["replayed"]
    assert data["refusal"]["codes"] == list(result.refusal.codes)


def test_bitonic_sort_is_filled_for_triton_after_every_cheat_is_rejected(cheat_run):
    _check_kept(cheat_run, "bitonic_sort")
    assert cheat_run.kept.name == f"round1-candidate{len(CHEATS) + 1}"


def test_collatz_is_filled_for_pallas(pallas_executor):
    _check_kept(run_fill("collatz", pallas_executor), "collatz")


def test_int_hash_is_filled_for_nki(nki_run):
    """The NKI fill: int_affine's truncating division (refused: P0708) as an exact long division in
    integer tiles, under porter's NKI model; every NKI cheat before it was rejected."""
    _check_kept(nki_run, "int_hash")
    assert nki_run.kept.name == f"round1-candidate{len(NKI_CHEATS) + 1}"
    assert any(t.startswith("held-out (large)") for t in nki_run.trials)


# -- cheats in fill mode, one per class ---------------------------------------------------------------
@pytest.mark.parametrize("cheat", CHEATS)
def test_cheat_in_fill_mode_is_rejected_by_its_check(cheat, cheat_run):
    report = cheat_run.candidates[list(CHEATS).index(cheat)]
    assert not report.accepted
    assert report.rejected_by in CHEATS[cheat][1], f"{report.rejected_by}: {report.reason[:400]}"
    assert [c.check for c in report.checks if not c.passed] == [report.rejected_by]


@pytest.mark.parametrize("cheat", NKI_CHEATS)
def test_nki_cheat_in_fill_mode_is_rejected_by_its_check(cheat, nki_run):
    report = nki_run.candidates[list(NKI_CHEATS).index(cheat)]
    assert not report.accepted
    assert report.rejected_by in NKI_CHEATS[cheat][1], f"{report.rejected_by}: {report.reason[:400]}"
    assert [c.check for c in report.checks if not c.passed] == [report.rejected_by]


def test_the_nki_tile_cap_is_really_wrong():
    """Outside the pipeline, on more elements than its one tile, the capped NKI cheat leaves the rest
    unwritten (the honest fill writes them all)."""
    import os
    import subprocess
    import sys

    script = f"""
import importlib.util, numpy as np
def load(path):
    spec = importlib.util.spec_from_file_location("m", path)
    module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
    return module
cheat, good = load({str(FILL / 'cheats' / 'narrow_tile_cap_nki.py')!r}), load({str(FILL / 'answers' / 'int_hash_nki.py')!r})
n = 10000
keys = np.random.default_rng(0).integers(0, 1 << 32, n, dtype=np.uint64).astype(np.uint32)
poison = np.zeros(n, dtype=np.uint32)
run = lambda m: m.KERNELS["int_hash"](keys, poison, 2654435769, n, grid=((n + 255) // 256, 1, 1), block=(256, 1, 1))[1]
bad, ok = run(cheat), run(good)
print("same", bool(np.array_equal(bad, ok)), "first 4096", bool(np.array_equal(bad[:4096], ok[:4096])),
      "tail unwritten", bool((bad[4096:] == 0).all()))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert "same False first 4096 True tail unwritten True" in done.stdout, done.stderr[-2000:]


def test_the_shell_cheat_left_no_trace():
    assert not Path("/tmp/porter-fill-cheat-was-here").exists()


def test_the_grid_cap_is_really_wrong():
    """Outside the pipeline, on an input larger than 4 programs cover, the capped cheat leaves the rest unwritten."""
    import os
    import subprocess
    import sys

    script = f"""
import importlib.util, numpy as np, torch
spec = importlib.util.spec_from_file_location("cheat", {str(FILL / 'cheats' / 'narrow_grid_cap.py')!r})
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
keys = torch.from_numpy(np.random.default_rng(0).integers(-300, 300, 1 << 17).astype(np.float32))
out, order = torch.full_like(keys, float("nan")), torch.empty(keys.shape, dtype=torch.int32)
module.KERNELS["bitonic_sort"](keys, out, order, keys.numel(), grid=(256, 1, 1), block=(256, 1, 1))
expected = np.sort(keys.numpy().reshape(-1, 512), axis=1, kind="stable").reshape(-1)
print("sorted", bool(np.array_equal(out.numpy(), expected)), "first 65536", bool(np.array_equal(out.numpy()[:65536], expected[:65536])))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TRITON_INTERPRET": "1"})
    assert "sorted False first 65536 True" in done.stdout, done.stderr[-2000:]


# -- porter optimize fills a refused kernel ------------------------------------------------------------
def test_porter_optimize_asks_for_a_fill_when_the_port_is_refused(tmp_path, monkeypatch, executor):
    """The CLI path: a refused kernel goes to fill mode; a rejected answer keeps nothing, writes no module,
    exits with an error and still writes the report."""
    import porter.llm.fill as filling
    from porter.llm.cli import optimize

    monkeypatch.setattr(filling, "executor_for", lambda target, unconfined: executor)
    monkeypatch.setattr(executor, "close", lambda: None)  # the session's executor outlives this run
    out, report = tmp_path / "bitonic_sort.py", tmp_path / "report.json"
    result = CliRunner().invoke(optimize, [str(KERNELS / "bitonic_sort.cu"), "--to", "triton", "--model",
                                           f"openai/{MODEL}", "--store", str(STORE), "--mode", "replay", "--rounds",
                                           "1", "--candidates", "1", "-o", str(out), "--report", str(report)])
    assert result.exit_code == 1, result.output
    assert "P0403): asking openai/scripted-model to write it (fill mode)" in result.output
    assert "round1-candidate1: rejected by static" in result.output and "nothing model-written was kept" in result.output
    data = json.loads(report.read_text())
    assert data["mode"] == "fill" and data["kept"] is None and not out.exists()


# -- recording the fixtures ----------------------------------------------------------------------------
class Scripted(OpenAIChat):
    """Answers from a list, in order, as a model would (used only to record the store)."""

    def __init__(self, texts: list[str]):
        super().__init__(MODEL, "http://127.0.0.1:9/v1", None)
        self.texts = list(texts)

    def complete(self, messages, *, max_tokens, temperature):
        text = self.texts.pop(0)
        return Completion(text, 1000, len(text) // 4, MODEL, {"scripted": True})


def _record(store: Path, kernel: str, texts: list[str], options: dict) -> None:
    target = FILLS[kernel][0]
    spec = load_spec(KERNELS / f"{kernel}.toml")
    refused = refusal(KERNELS / f"{kernel}.cu", target, **options)
    prompt = FillPrompt(target, spec.name, spec.source.read_text(), refused, spec, spec.cases[0].size_map)
    messages, model = build_messages(prompt), Scripted(texts)
    for sample in range(len(texts)):
        ResponseStore(store, "record").complete(model, messages, max_tokens=8192, temperature=0.7, sample=sample)


def record() -> None:
    shutil.rmtree(STORE, ignore_errors=True)
    for kernel, (_, options, _, _) in FILLS.items():
        _record(STORE, kernel, answers(kernel), options)


if __name__ == "__main__":
    record()
    print(f"recorded {sum(len(answers(k)) for k in FILLS)} answers in {STORE}")
