"""``porter port --llm``: after a tree's port, kernels the passes refuse are filled by a model (fill mode,
:mod:`porter.llm.fill`), kept only against goldens; the report says which file is model-written.

The model's answers are replayed from the fill fixtures' store (``fixtures/fill/store``, recorded by
``python -m tests.llm.test_fill``): for bitonic_sort -> triton, ten cheats, then the real fill.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from porter.golden import corpus_dir
from tests.cli.trees import run_porter
from tests.llm.test_fill import CHEATS, FILL, MODEL, STORE

KERNELS = corpus_dir()
GOLDENS = KERNELS.parent / "recorded"
LLM = ["--llm", f"openai/{MODEL}", "--llm-store", STORE, "--llm-mode", "replay", "--llm-rounds", "1",
       "--llm-candidates", str(len(CHEATS) + 1)]


@pytest.fixture
def shared_executor(monkeypatch, executor):
    """Fill mode runs candidates on the session's Triton executor (a sandbox per candidate still)."""
    import porter.llm.fill as filling

    monkeypatch.setattr(filling, "executor_for", lambda target, unconfined: executor)
    monkeypatch.setattr(executor, "close", lambda: None)
    return executor


def make_tree(root: Path, goldens: bool) -> Path:
    """bitonic_sort.cu (refused for Triton: P0403) with its spec, saxpy.cu (ported), a README."""
    root.mkdir()
    for suffix in (".cu", ".toml"):
        shutil.copy(KERNELS / f"bitonic_sort{suffix}", root / f"bitonic_sort{suffix}")
    shutil.copy(KERNELS / "saxpy.cu", root / "saxpy.cu")
    (root / "README.txt").write_text("kernels\n")
    if goldens:
        shutil.copytree(GOLDENS / "bitonic_sort", root / "recorded" / "bitonic_sort")
    return root


def test_a_refused_kernel_is_filled_and_reported(tmp_path, capsys, monkeypatch, shared_executor):
    tree, out = make_tree(tmp_path / "src", goldens=True), tmp_path / "out"
    outcome = run_porter(["port", tree, "--to", "triton", "--out", out, "-j", "1", *LLM], capsys, monkeypatch)
    assert outcome.code == 0, outcome.err
    assert "porter: fill 1/1: bitonic_sort.cu (P0403): asking openai/scripted-model" in outcome.err
    assert "bitonic_sort.cu: kept (model-written), written to bitonic_sort.py" in outcome.err
    assert "  1 translated, 1 filled, 0 unchanged," in outcome.err
    # the output is the kept module: marked model-written, then the answer as the model wrote it
    written = (out / "bitonic_sort.py").read_text()
    assert written.startswith("# MODEL-WRITTEN: porter refuses to port bitonic_sort to triton (P0403)")
    assert written.endswith((FILL / "answers" / "bitonic_sort_triton.py").read_text())
    assert "MODEL-WRITTEN" not in (out / "saxpy.py").read_text()  # the other files are porter's
    files = {f["path"]: f for f in json.loads((out / "report.json").read_text())["files"]}
    record = files["bitonic_sort.cu"]
    assert record["status"] == "filled" and record["fill"]["kept"] and record["fill"]["model_written"]
    fill = record["fill"]
    assert fill["model"] == f"openai/{MODEL}" and fill["refusal"] == ["P0403"] and fill["replayed"]
    assert fill["store_key"] and (STORE / fill["store_key"][:2] / f"{fill['store_key']}.json").is_file()
    assert f"store key: {fill['store_key']}" in written
    assert {"static", "golden", "noop"} <= set(fill["checks"]) and fill["trials"][0].startswith("golden")
    assert [c["rejected_by"] is None for c in fill["candidates"]] == [False] * len(CHEATS) + [True]
    assert files["saxpy.cu"]["status"] == "translated" and "fill" not in files["saxpy.cu"]
    markdown = (out / "report.md").read_text()
    assert "## Model-written files (porter port --llm)" in markdown
    assert f"`bitonic_sort.cu` -> `bitonic_sort.py`: filled (P0403) by openai/{MODEL}" in markdown
    assert f"store key {fill['store_key']} (replayed)" in markdown and "checks passed: static" in markdown
    assert "| `bitonic_sort.cu` | filled |" in markdown


def test_without_goldens_the_refusal_is_kept(tmp_path, capsys, monkeypatch, shared_executor):
    """No recorded goldens beside the spec: nothing is asked, the deterministic port (with its P0403) stays."""
    tree, out = make_tree(tmp_path / "src", goldens=False), tmp_path / "out"
    plain = tmp_path / "plain"
    run_porter(["port", tree, "--to", "triton", "--out", plain, "-j", "1"], capsys, monkeypatch)
    outcome = run_porter(["port", tree, "--to", "triton", "--out", out, "-j", "1", *LLM], capsys, monkeypatch)
    assert outcome.code == 0, outcome.err
    assert "not filled: bitonic_sort.cu:" in outcome.err and "without goldens" in outcome.err
    assert (out / "bitonic_sort.py").read_text() == (plain / "bitonic_sort.py").read_text()
    record = {f["path"]: f for f in json.loads((out / "report.json").read_text())["files"]}["bitonic_sort.cu"]
    assert record["status"] == "translated" and not record["fill"]["kept"]
    assert "P0403" in {d["id"] for d in record["diagnostics"]}
    assert "## Fills not kept" in (out / "report.md").read_text()


def test_without_a_spec_nothing_is_asked(tmp_path, capsys, monkeypatch, shared_executor):
    tree, out = make_tree(tmp_path / "src", goldens=True), tmp_path / "out"
    (tree / "bitonic_sort.toml").unlink()
    outcome = run_porter(["port", tree, "--to", "triton", "--out", out, "-j", "1", *LLM], capsys, monkeypatch)
    assert outcome.code == 0 and "no golden spec bitonic_sort.toml" in outcome.err
    assert not (out / "bitonic_sort.py").read_text().startswith("# MODEL-WRITTEN")


def test_llm_options_are_checked_before_any_work(tmp_path, capsys, monkeypatch):
    tree = make_tree(tmp_path / "src", goldens=True)
    for args, message in ((["--llm-mode", "replay"], "go with --llm MODEL"),
                          (["--llm", f"openai/{MODEL}", "--llm-mode", "replay"], "needs --llm-store"),
                          (["--llm", "nosuch/model"], "expected PROVIDER/NAME")):
        outcome = run_porter(["port", tree, "--to", "triton", "--out", tmp_path / "out", *args], capsys, monkeypatch)
        assert outcome.code == 2 and message in outcome.err, outcome.err
        assert not (tmp_path / "out").exists()
