"""Kernel summaries: categories, shared memory, needs; the module-wide driver and registry."""

from __future__ import annotations

import json

import pytest

from porter.passes import PASSES, UnknownPass, get_pass
from porter.passes.summary import CATEGORIES, analyze_module
from tests.ir.helpers import auto, ir_corpus

EXPECTED_CATEGORIES = {
    "saxpy": "elementwise", "gather_index": "gather", "scatter_index": "gather", "tree_reduce": "reduction",
    "warp_max": "reduction", "block_reduce": "reduction", "scan_hillis_steele": "scan", "warp_scan": "scan",
    "scan_blelloch": "scan", "matmul_tiled": "matmul", "matmul_naive": "matmul", "histogram_shared": "atomic",
    "histogram_global": "atomic", "stencil3": "stencil", "jacobi2d": "stencil", "count_positive": "reduction",
}


def summaries() -> dict:
    found = {}
    for path in ir_corpus():
        found.update(analyze_module(auto(path)).summaries)
    return found


def test_categories_of_the_corpus():
    got = summaries()
    assert {name: got[name].category for name in EXPECTED_CATEGORIES} == EXPECTED_CATEGORIES
    assert {s.category for s in got.values()} <= set(CATEGORIES)


def test_summary_details_and_json():
    summary = analyze_module(auto(next(p for p in ir_corpus() if p.stem == "matmul_tiled"))).summaries["matmul_tiled"]
    assert summary.thread_dims == ("x", "y")
    assert summary.shared_bytes == 2 * 16 * 16 * 4
    assert summary.block_barriers == 2
    assert any(need.startswith("tiled matmul over As,Bs") for need in summary.needs)
    data = json.loads(json.dumps(summary.to_json()))
    assert data["category"] == "matmul" and data["kernel"] == "matmul_tiled"


def test_templates_summarised_by_instance():
    path = next(p for p in ir_corpus() if p.stem == "template_kernel")
    assert list(analyze_module(auto(path)).summaries) == ["block_sum<f32, 256>", "block_sum<f64, 128>"]


def test_registry():
    assert sorted(PASSES) == ["barriers", "idioms", "memory-access", "summary", "uniformity", "warp-size"]
    assert get_pass("summary").apply(auto(ir_corpus()[0])).summaries
    with pytest.raises(UnknownPass):
        get_pass("nope")
