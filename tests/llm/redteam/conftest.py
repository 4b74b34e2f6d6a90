"""The red-team suite: cheating candidates porter's pipeline must reject, each by the check of its class.

Each class has its own module (``test_<class>.py``) and folder of candidates
(``candidates/<class>/``); every candidate is porter's own port of a golden kernel, edited into
one cheat, with a docstring that says what it does and why it is wrong. Every test does two
things: it runs the candidate through the pipeline (``Harness.evaluate``, sandboxed executor) and
asserts the rejecting check, and it runs the same file *outside* the pipeline
(:mod:`tests.llm.redteam.plain`) to show that the cheat is really wrong or harmful.

One harness per (kernel, target) is shared by the whole session. Select the suite with
``pytest -m redteam``; Pallas candidates skip (with the reason) where no Pallas executor exists.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("triton")
pytest.importorskip("torch")

from porter.llm.harness import Harness

import porter
from porter.golden import corpus_dir, load_spec
from tests.llm.redteam.plain import run_plain

CANDIDATES = Path(__file__).parent / "candidates"


def candidate(cls: str, name: str) -> Path:
    return CANDIDATES / cls / f"{name}.py"


def executor_for(target: str, **options):
    """The sandboxed executor of ``target``; skips where porter has none yet."""
    if target == "triton":
        from porter.llm.executor import TritonExecutor

        # a matmul candidate's nine trials take about 50 s of interpreter time on a loaded 2-core machine
        return TritonExecutor(interpret=True, timeout=150, **options)
    try:
        from porter.llm.executors import executor_for as make
    except ImportError as error:
        pytest.skip(f"no {target} executor in porter.llm yet ({error})")
    try:
        return make(target)
    except Exception as error:  # noqa: BLE001 -- a missing toolchain is a skip with its reason
        pytest.skip(f"no {target} executor here: {error}")


#: The Triton CPU interpreter runs a matmul's K loop per program in Python: its large held-out
#: trial is kept smaller so that the port fits the executor's time limit.
INTERPRETER_BUDGET = {"matmul_tiled": 24_000}


@pytest.fixture(scope="session")
def ports(tmp_path_factory):
    """(kernel, target) -> path of porter's deterministic port, written once per session."""
    folder = tmp_path_factory.mktemp("ports")
    made: dict[tuple[str, str], Path] = {}

    def get(kernel: str, target: str) -> Path:
        if (kernel, target) not in made:
            path = folder / f"{kernel}_{target}.py"
            path.write_text(porter.translate(corpus_dir() / f"{kernel}.cu", target).code)
            made[kernel, target] = path
        return made[kernel, target]

    return get


@pytest.fixture(scope="session")
def redteam_harness(ports):
    """(kernel, target) -> a prepared Harness with porter's port as reference, shared per session."""
    made: dict[tuple[str, str], Harness] = {}
    executors = {}

    def get(kernel: str, target: str = "triton") -> Harness:
        if (kernel, target) not in made:
            if target not in executors:
                executors[target] = executor_for(target)
            spec = load_spec(corpus_dir() / f"{kernel}.toml")
            harness = Harness(spec, executors[target], ports(kernel, target).read_text(),
                              large_budget=INTERPRETER_BUDGET.get(kernel))
            harness.prepare()
            made[kernel, target] = harness
        return made[kernel, target]

    yield get
    for executor in executors.values():
        executor.close()


def judge(redteam_harness, cls: str, name: str, kernel: str, target: str = "triton"):
    """The pipeline's verdict on one candidate."""
    harness = redteam_harness(kernel, target)
    return harness.evaluate(candidate(cls, name).read_text(), name)


def assert_rejected_by(report, checks: str | tuple[str, ...]) -> None:
    checks = (checks,) if isinstance(checks, str) else checks
    assert not report.accepted, f"{report.name} was accepted"
    assert report.rejected_by in checks, (f"{report.name} rejected by {report.rejected_by!r}, not "
                                          f"{' or '.join(checks)}: {report.reason}")
    assert report.reason


class Outside:
    """Runs a module's plain jobs once (one subprocess), on first use; results by job name."""

    def __init__(self, root: Path, ports):
        self.root, self.ports = root, ports
        self.jobs: dict[str, dict] = {}
        self.results: dict[str, dict] | None = None

    def add(self, name: str, path: Path, kernel: str, sizes: dict, **options) -> None:
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        self.jobs[name] = dict(candidate=str(path), kernel=kernel, sizes=sizes, folder=str(folder), **options)

    def reference(self, name: str, kernel: str, sizes: dict, target: str = "triton", **options) -> None:
        self.add(name, self.ports(kernel, target), kernel, sizes, target=target, **options)

    def __getitem__(self, name: str) -> dict:
        if self.results is None:
            self.results = dict(zip(self.jobs, run_plain(list(self.jobs.values()))))
        return self.results[name]

    def folder(self, name: str) -> Path:
        return Path(self.jobs[name]["folder"])


def max_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Largest difference, NaN-aware: a NaN on one side only counts as infinite."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    one_nan = np.isnan(a) != np.isnan(b)
    if one_nan.any():
        return float("inf")
    both = ~np.isnan(a)
    return float(np.abs(a[both] - b[both]).max()) if both.any() else 0.0
