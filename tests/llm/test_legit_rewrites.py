"""Legitimate rewrites the full pipeline must accept (correctness only on CPU): autotuned, wider tiles,
vectorized loads, fewer programs and atomics, another reduction order within tolerance, on Triton and
Pallas. Each is a genuinely different implementation from porter's port, which is the reference.
Pallas rewrites skip (with the reason) where porter has no Pallas executor."""

from __future__ import annotations

import pytest

pytest.importorskip("triton")

from porter.llm.harness import Harness

import porter
from porter.golden import corpus_dir, load_spec
from tests.llm.conftest import HERE
from tests.llm.redteam.conftest import INTERPRETER_BUDGET, executor_for

# name -> (kernel, target): the rewrite's file is rewrites/<name>.py
REWRITES = {
    "saxpy_autotune": ("saxpy", "triton"),  # autotuned over three configs
    "saxpy_vectorized": ("saxpy", "triton"),  # vectorized 2-D tile, 16-byte accesses
    "softmax_two_rows": ("softmax_rows", "triton"),  # wider tile: two rows per program
    "softmax_online": ("softmax_rows", "triton"),  # online softmax over column tiles
    "reduce_atomic_wide": ("reduce_atomic", "triton"),  # fewer programs and atomics, another order
    "matmul_dot_tiles": ("matmul_tiled", "triton"),  # 32 x 32 tl.dot tiles
    "jacobi_row_tiles": ("jacobi_2d", "triton"),  # 8 x 128 row tiles, contiguous loads
    "saxpy_pallas_blocks": ("saxpy", "pallas"),  # 1024-element BlockSpecs
    "softmax_pallas_rows": ("softmax_rows", "pallas"),  # whole-row blocks, block reductions
}


@pytest.fixture(scope="module")
def harness_for():
    made, executors = {}, {}

    def get(kernel: str, target: str) -> Harness:
        if (kernel, target) not in made:
            if target not in executors:
                executors[target] = executor_for(target)
            port = porter.translate(corpus_dir() / f"{kernel}.cu", target).code
            # one fixed secret, so that CI draws the same trials every run
            made[kernel, target] = Harness(load_spec(corpus_dir() / f"{kernel}.toml"), executors[target], port,
                                           large_budget=INTERPRETER_BUDGET.get(kernel), secret=20261208)
        return made[kernel, target]

    yield get
    for executor in executors.values():
        executor.close()


#: Rejected on the CPU interpreter since this change set: the special-values trial gives inf where
#: porter's port gives NaN (10 of 4096 elements). The same rewrite was accepted on an H100 under
#: fresh secrets (benchmarks/results/2026-12-08-nvidia-h100-llm*); the cause (the interpreter's
#: tl.dot, or the port) is not found yet.
KNOWN_REJECTED_ON_INTERPRETER = {"matmul_dot_tiles"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(
    reason="special values: inf where the port gives NaN on the CPU interpreter (open)", strict=False))
    if n in KNOWN_REJECTED_ON_INTERPRETER else n for n in REWRITES])
def test_legitimate_rewrite_is_accepted(name, harness_for):
    kernel, target = REWRITES[name]
    report = harness_for(kernel, target).evaluate((HERE / "rewrites" / f"{name}.py").read_text(), name)
    assert report.accepted, f"{name} rejected by {report.rejected_by}: {report.reason}"
    assert report.checks[-1].check == "timing-floor" and all(c.passed for c in report.checks)


def test_rewrites_span_two_targets_and_eight_files():
    assert len(REWRITES) >= 8 and len({target for _, target in REWRITES.values()}) >= 2
