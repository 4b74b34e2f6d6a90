"""Each warp-size hazard marked in the corpus (`// HAZARD(warp-size)`) is rewritten or reported on
its line; each `// SAFE(warp-size)` line is left alone."""

import pytest

from porter.diagnostics import Severity
from tests.backends.hip.corpus import corpus_files, markers, translated

WARP_RULES = {"warp-size", "warp-sync", "inline-ptx"}
WARP_DIAGNOSTICS = {"P0201", "P0202", "P0203", "P0210", "P0220", "P0250"}
MARKED = [p for p in corpus_files() if markers(p)]


def _edited_lines(result):
    return {result.source.position(e.start)[0] for e in result.edits if e.rule in WARP_RULES}


def _reported(result, severities):
    return {d.span.line for d in result.diagnostics if d.id in WARP_DIAGNOSTICS and d.severity in severities}


def test_corpus_marks_enough_hazards():
    hazards = sum(1 for p in MARKED for kind in markers(p).values() if kind == "HAZARD")
    safe = sum(1 for p in MARKED for kind in markers(p).values() if kind == "SAFE")
    assert hazards >= 30 and safe >= 5


@pytest.mark.parametrize("path", MARKED, ids=lambda p: p.name)
def test_wave64_hazards_rewritten_or_reported_as_errors(path):
    result = translated(path.name, "gfx90a-hip5.2")
    handled = _edited_lines(result) | _reported(result, {Severity.ERROR, Severity.WARNING})
    missed = [line for line, kind in markers(path).items() if kind == "HAZARD" and line not in handled]
    assert not missed, f"{path.name}: hazards neither rewritten nor reported on lines {missed}"


@pytest.mark.parametrize("path", MARKED, ids=lambda p: p.name)
def test_wave64_hazards_also_handled_with_hip63(path):
    result = translated(path.name, "gfx942-hip6.3")
    handled = _edited_lines(result) | _reported(result, {Severity.ERROR, Severity.WARNING})
    missed = [line for line, kind in markers(path).items() if kind == "HAZARD" and line not in handled]
    assert not missed, f"{path.name}: hazards neither rewritten nor reported on lines {missed}"


@pytest.mark.parametrize("path", MARKED, ids=lambda p: p.name)
def test_wave32_hazards_rewritten_reported_or_right_as_they_are(path):
    wave32 = translated(path.name, "gfx1100-hip5.2")
    wave64 = translated(path.name, "gfx90a-hip5.2")
    handled = _edited_lines(wave32) | _reported(wave32, set(Severity))
    # Handled on 64 lanes only (64-bit ballot types, 32-bit popcount helpers): right as written on 32 lanes.
    wave64_only = (_edited_lines(wave64) | _reported(wave64, {Severity.ERROR})) - handled
    missed = [line for line, kind in markers(path).items()
              if kind == "HAZARD" and line not in handled and line not in wave64_only]
    assert not missed, f"{path.name}: hazards neither rewritten nor reported on lines {missed}"


@pytest.mark.parametrize("config", ["gfx90a-hip5.2", "gfx1100-hip5.2", "gfx942-hip6.3"])
@pytest.mark.parametrize("path", MARKED, ids=lambda p: p.name)
def test_safe_lines_untouched(path, config):
    result = translated(path.name, config)
    size_edits = {result.source.position(e.start)[0] for e in result.edits if e.rule == "warp-size"}
    flagged = {d.span.line for d in result.diagnostics if d.id == "P0210"}
    safe = {"SAFE", "SAFE64"} if config.startswith(("gfx90a", "gfx942")) else {"SAFE"}
    wrong = [line for line, kind in markers(path).items() if kind in safe and line in size_edits | flagged]
    assert not wrong, f"{path.name}: SAFE lines changed or flagged: {wrong}"
