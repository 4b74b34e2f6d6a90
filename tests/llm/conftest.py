"""Shared by the LLM-stage tests: one Triton executor (a fork server: each candidate still runs in a
fresh process of its own) and one harness per golden kernel, per test process."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("triton")
pytest.importorskip("torch")

from porter.llm.executor import TritonExecutor
from porter.llm.harness import REFERENCE, Harness, Peaks

from porter.golden import corpus_dir, load_spec

HERE = Path(__file__).parent
#: A fake device and clock, so that the timing checks run on CPU: every candidate "takes" 50 us,
#: the deterministic port 100 us, and the candidate named impossible_speed 1 ns.
FAKE_PEAKS = Peaks("fake GPU", bandwidth=1e12, flops=1e13)
FAKE_TIMES = {REFERENCE: 1e-4, "impossible_speed": 1e-9}


def fake_timer(name, result):
    return FAKE_TIMES.get(name, 5e-5)


def port(kernel: str) -> str:
    return (HERE / "ports" / f"{kernel}.py").read_text()


@pytest.fixture(scope="session")
def executor():
    with TritonExecutor(interpret=True, timeout=60) as running:
        yield running


@pytest.fixture(scope="session")
def harnesses(executor):
    """kernel -> Harness (with the fake clock and peaks); built on first use."""
    made: dict[str, Harness] = {}

    def get(kernel: str, timed: bool = True) -> Harness:
        key = f"{kernel}:{timed}"
        if key not in made:
            spec = load_spec(corpus_dir() / f"{kernel}.toml")
            made[key] = Harness(spec, executor, port(kernel), peaks=FAKE_PEAKS if timed else None,
                                timer=fake_timer if timed else None)
        return made[key]

    return get
