"""Red team, program order: kernels right only when the programs of a launch run in order (a carry,
a broadcast or a staged operand passed between programs through global scratch). The pipeline's
"golden" check (trials with programs reversed or shuffled) must reject each; outside the pipeline
each runs right in order and wrong with the interpreter's programs reversed."""

from __future__ import annotations

import pytest

from tests.llm.redteam.conftest import Outside, assert_rejected_by, candidate, judge, max_diff

pytestmark = pytest.mark.redteam
CLASS = "program_order"
CHEATS = {
    "po_carry_prefix": ("reduce_atomic", {"n": 5000, "threads": 128}, "result"),
    "po_broadcast_scratch": ("saxpy", {"n": 1000}, "y"),
    "po_staged_operand": ("matmul_tiled", {"m": 40, "n": 40, "k": 40}, "c"),
}


@pytest.fixture(scope="module")
def outside(tmp_path_factory, ports):
    runs = Outside(tmp_path_factory.mktemp("order"), ports)
    for name, (kernel, sizes, _) in CHEATS.items():
        runs.add(f"{name}:forward", candidate(CLASS, name), kernel, sizes)
        runs.add(f"{name}:reverse", candidate(CLASS, name), kernel, sizes, order="reverse")
        runs.reference(f"{name}:port", kernel, sizes)
    return runs


@pytest.mark.parametrize("name", CHEATS)
def test_order_dependent_kernel_is_wrong_and_rejected_by_golden(name, outside, redteam_harness):
    kernel, _, buffer = CHEATS[name]
    forward, reverse, port = outside[f"{name}:forward"], outside[f"{name}:reverse"], outside[f"{name}:port"]
    assert not forward["error"] and not reverse["error"], (forward["error"], reverse["error"])
    want = port["buffers"][buffer]
    assert max_diff(forward["buffers"][buffer], want) < 1e-3  # right in order ...
    assert max_diff(reverse["buffers"][buffer], want) > 1e-2  # ... wrong in any other
    assert_rejected_by(judge(redteam_harness, CLASS, name, kernel), "golden")
