"""`porter.translate(..., optimize=True, llm=...)` hands the deterministic port to the LLM stage."""

from pathlib import Path
from types import SimpleNamespace

import pytest

import porter

SAXPY = Path(__file__).resolve().parents[2] / "golden" / "kernels" / "saxpy.cu"


def test_translate_hands_the_port_to_the_llm_stage(monkeypatch):
    calls = {}

    def fake_optimize(source, target, *, port, **settings):
        calls.update(source=source, target=target, port=port, settings=settings)
        return SimpleNamespace(code="# the winner\n", winner="round1-candidate1")

    monkeypatch.setattr("porter.llm.optimize", fake_optimize)
    result = porter.translate(SAXPY, "triton", optimize=True, llm={"model": "openai/x", "rounds": 1})
    assert calls["source"] == SAXPY and calls["target"] == "triton"
    assert "KERNELS" in calls["port"] and calls["settings"] == {"model": "openai/x", "rounds": 1}
    assert result.code == "# the winner\n" and result.optimization.winner == "round1-candidate1"


def test_optimize_needs_a_file():
    with pytest.raises(ValueError, match="golden spec"):
        porter.translate(SAXPY.read_text(), "triton", optimize=True, llm={"model": "openai/x"})
