"""``porter doctor``: the JSON keys, and a text table that never crashes."""

from __future__ import annotations

import json

from porter import doctor
from tests.cli.trees import run_porter

TOP_KEYS = {"porter", "python", "platform", "tools", "packages", "hip_gate", "gpus", "checks"}
CHECKS = ["hip translation", "hip compile gate", "hip run on NVIDIA GPU", "triton interpreter", "triton GPU",
          "pallas interpreter", "pallas GPU", "nki (porter's model)", "llm candidate sandbox"]


def test_json_has_the_documented_keys(capsys, monkeypatch):
    outcome = run_porter(["doctor", "--format", "json", "--no-gate"], capsys, monkeypatch)
    assert outcome.code == 0
    report = json.loads(outcome.out)
    assert set(report) == TOP_KEYS
    assert set(report["tools"]) == {"hipcc", "nvcc", "libclang", "torch_hipify_tables", "bwrap", "nvidia-smi",
                                      "rocm-smi"}
    assert set(report["packages"]) == {"torch", "triton", "jax", "jaxlib", "jax_cuda_plugin", "nki"}
    for probe in [*report["tools"].values(), *report["packages"].values()]:
        assert set(probe) == {"found", "version", "path", "detail"}
    assert [c["name"] for c in report["checks"]] == CHECKS
    assert all(set(c) == {"name", "available", "detail"} for c in report["checks"])
    assert report["hip_gate"] == {}  # --no-gate


def test_text_output_is_a_table(capsys, monkeypatch):
    monkeypatch.setattr(doctor, "find_tool", lambda name: None)  # nothing installed: still a report
    outcome = run_porter(["doctor", "--no-gate"], capsys, monkeypatch)
    assert outcome.code == 0, outcome.err
    assert "Checks available here" in outcome.out and "hip compile gate" in outcome.out
    assert "Traceback" not in outcome.out + outcome.err
