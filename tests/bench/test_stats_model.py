"""Statistics helpers and the roofline model (bytes moved, flops)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from porter.bench.model import FLOPS, bytes_moved, flops, roofline
from porter.bench.stats import geomean, median, percentile, relative_spread, summarize
from porter.golden import corpus_dir, load_spec, resolve_case


@pytest.mark.parametrize("values", [[3.0], [1.0, 2.0], [5.0, 1.0, 4.0, 2.0, 3.0], list(np.random.default_rng(0).random(101))])
@pytest.mark.parametrize("q", [0, 10, 25, 50, 75, 90, 100])
def test_percentile_matches_numpy(values, q):
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_median_and_errors():
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    with pytest.raises(ValueError):
        median([])
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summarize_orders_and_spread():
    times = [1.0] * 80 + [2.0] * 20
    s = summarize(times)
    assert s["runs"] == 100 and s["median_ms"] == 1.0 and s["p10_ms"] == 1.0 and s["p90_ms"] == 2.0
    assert s["iqr_ms"] == 0.0 and s["min_ms"] == 1.0 and s["max_ms"] == 2.0 and s["mean_ms"] == pytest.approx(1.2)
    assert s["p10_ms"] <= s["median_ms"] <= s["p90_ms"]
    assert relative_spread(s) == pytest.approx(1.0)


def test_geomean():
    assert geomean([2.0, 8.0]) == pytest.approx(4.0)
    assert geomean([1.0, None, 0.0, math.nan, 4.0]) == pytest.approx(2.0)  # ignores what is not a positive number
    assert geomean([]) is None


def test_bytes_moved_counts_inout_twice(saxpy_spec):
    case = resolve_case(saxpy_spec, saxpy_spec.case("n4096"))
    assert bytes_moved(case) == 4096 * 4 + 2 * 4096 * 4  # x read; y read and written


def test_bytes_moved_mixed_dtypes_and_outputs():
    spec = load_spec(corpus_dir() / "online_softmax.toml")  # fp16 in, fp32 out
    case = resolve_case(spec, spec.cases[0])
    expected = sum(b.count * {"float16": 2, "float32": 4, "int32": 4}[b.dtype] * (2 if b.role == "inout" else 1)
                   for b in case.buffers)
    assert bytes_moved(case) == expected


def test_flops_from_the_table():
    spec = load_spec(corpus_dir() / "matmul_tiled.toml")
    case = resolve_case(spec, spec.case("64x64x64"))
    assert flops(case) == 2 * 64 ** 3
    relu = load_spec(corpus_dir() / "relu.toml")
    assert flops(resolve_case(relu, relu.cases[0])) is None


def test_every_flops_formula_evaluates_on_the_corpus():
    for name in FLOPS:
        spec = load_spec(corpus_dir() / f"{name}.toml")
        for case in spec.cases:
            assert flops(resolve_case(spec, case)) > 0


def test_roofline_memory_and_compute_bound():
    memory = roofline(1e-3, nbytes=2_000_000_000, nflops=None, peak_bandwidth=4e12, peak_flops=5e13)
    assert memory["achieved_Bps"] == pytest.approx(2e12) and memory["bandwidth_fraction"] == pytest.approx(0.5)
    assert memory["roofline_fraction"] == pytest.approx(0.5) and memory["bound"] == "memory"
    compute = roofline(1e-3, nbytes=1000, nflops=25_000_000_000, peak_bandwidth=4e12, peak_flops=5e13)
    assert compute["bound"] == "compute" and compute["roofline_fraction"] == pytest.approx(0.5)
    unknown = roofline(1e-3, nbytes=1000, nflops=None, peak_bandwidth=None, peak_flops=None)
    assert unknown["roofline_fraction"] is None and unknown["bound"] is None
