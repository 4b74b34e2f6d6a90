"""The differential step itself (:mod:`tests.fuzz.differential`): it must see a port that computes
something else, say where (the worst element) and show the mutant as a diff; and it must agree
with a faithful port. Runs on porter's NKI model (about a second per run)."""

from __future__ import annotations

import porter
from tests.fuzz.differential import compare_with_reference, mismatch_report, mutant_diff
from tests.fuzz.mutants import golden_sources

SAXPY = golden_sources()["saxpy"]
MUTANT = SAXPY.replace("a * x[i] + y[i]", "a * x[i] - y[i]")


def _nki_port(text: str) -> str:
    result = porter.translate(text, "nki", name="saxpy.cu")
    assert not result.errors, result.errors
    return result.code


def test_a_faithful_port_of_a_mutant_agrees_with_the_reference():
    verdict = compare_with_reference(MUTANT, "saxpy", _nki_port(MUTANT), "nki")
    assert verdict is not None and verdict.ok, verdict


def test_a_port_that_computes_something_else_is_a_mismatch_with_its_worst_element():
    """The port of the unchanged kernel against the mutant: y = a*x + y is not a*x - y."""
    verdict = compare_with_reference(MUTANT, "saxpy", _nki_port(SAXPY), "nki")
    assert verdict is not None and not verdict.ok and not verdict.rejected
    assert verdict.detail.startswith("y[") and "got " in verdict.detail and "expected " in verdict.detail
    report = mismatch_report("nki", "saxpy.swap@1", verdict, mutant_diff(SAXPY, MUTANT, "saxpy"))
    assert report.startswith("[nki] saxpy.swap@1: y[")
    assert "\n-        y[i] = a * x[i] + y[i];\n+        y[i] = a * x[i] - y[i];\n" in report
