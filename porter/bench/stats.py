"""Statistics of repeated timings: median, percentiles, spread, geometric mean. Pure Python."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is not within 0..100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return percentile(values, 50)


def summarize(times_ms: Sequence[float]) -> dict[str, float | int]:
    """Median and spread of one case's run times (milliseconds)."""
    q1, q3 = percentile(times_ms, 25), percentile(times_ms, 75)
    return {
        "runs": len(times_ms),
        "median_ms": median(times_ms),
        "p10_ms": percentile(times_ms, 10),
        "p90_ms": percentile(times_ms, 90),
        "iqr_ms": q3 - q1,
        "min_ms": min(times_ms),
        "max_ms": max(times_ms),
        "mean_ms": sum(times_ms) / len(times_ms),
    }


def relative_spread(summary: dict) -> float:
    """(p90 - p10) / median: how noisy a measurement is."""
    return (summary["p90_ms"] - summary["p10_ms"]) / summary["median_ms"] if summary["median_ms"] else math.inf


def geomean(values: Iterable[float]) -> float | None:
    """Geometric mean of the positive values; None when there are none."""
    logs = [math.log(v) for v in values if v is not None and v > 0 and math.isfinite(v)]
    return math.exp(sum(logs) / len(logs)) if logs else None
