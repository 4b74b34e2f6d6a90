"""porter's HIP port of a fixed sample of 40 real programs (HeCBench) compiles, or says why not.

Runs benchmarks/hecbench_hip.py's harness (port with porter, compile each Makefile source with
hipcc -c for gfx90a at -O0) over 40 programs drawn with seed 7 from ../shared/corpora/hecbench-dev.
Skips without the corpus, and without hipcc unless PORTER_REQUIRE_HIPCC=1 (CI).
"""

import os
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import hecbench_hip  # noqa: E402
from porter.backends.hip.compile_gate import find_hipcc  # noqa: E402

SAMPLE, SEED = 40, 7
CORPUS = hecbench_hip.DEFAULT_CORPUS

pytestmark = [
    pytest.mark.slow, pytest.mark.hipcc,
    pytest.mark.skipif(not (CORPUS / "src").is_dir(), reason=f"the HeCBench corpus is absent ({CORPUS})"),
    pytest.mark.skipif(find_hipcc() is None and os.environ.get("PORTER_REQUIRE_HIPCC") != "1",
                       reason="hipcc not installed (apt-get install -y hipcc libamdhip64-dev)"),
]


@pytest.fixture(scope="module")
def entries(tmp_path_factory):
    programs = hecbench_hip.choose(hecbench_hip.list_programs(CORPUS), SAMPLE, SEED, None)
    assert len(programs) == SAMPLE
    return hecbench_hip.run_all(programs, CORPUS.resolve(), jobs=2, timeout=150, human=False,
                                work=tmp_path_factory.mktemp("hecbench"))


def _of(entries, cls):
    return [e for e in entries if e["porter"]["class"] == cls]


def test_porter_never_crashes_and_every_program_is_classified(entries):
    assert len(entries) == SAMPLE
    assert {e["porter"]["class"] for e in entries} <= set(hecbench_hip.PORTER_CLASSES)
    assert not _of(entries, "port-failed"), [e["porter"]["reason"] for e in _of(entries, "port-failed")]
    assert not _of(entries, "timed-out")


#: the hand-written HIP ports of the sample that compile (benchmarks/results/2026-12-08-hecbench-hip)
HUMAN_COMPILED = 27


def test_at_least_as_much_of_the_sample_compiles_as_the_hand_written_ports(entries):
    assert len(_of(entries, "compiled")) >= HUMAN_COMPILED, hecbench_hip.summarize(entries)["porter"]


def test_every_failure_names_its_cause(entries):
    for entry in _of(entries, "failed-with-diagnostic") + _of(entries, "failed-silently"):
        side = entry["porter"]
        assert side["failed_sources"] and side["first_errors"], entry["program"]
        # a file and a message each; the line is 0 only for errors from the compiler's back end
        assert all(e["file"] and e["message"] for e in side["first_errors"]), entry["program"]
    for entry in _of(entries, "failed-silently"):
        assert entry["porter"]["unexplained"], entry["program"]
    for entry in _of(entries, "failed-with-diagnostic"):
        assert not entry["porter"]["unexplained"], entry["program"]


def test_no_program_fails_silently(entries):
    silent = {e["program"]: e["porter"]["unexplained"][0] for e in _of(entries, "failed-silently")}
    assert not silent, silent
