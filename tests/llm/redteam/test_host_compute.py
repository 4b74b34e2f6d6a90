"""Red team, host-side compute: the launcher computes the answer with torch (operators, tensor
methods, in-place ops, ``@``) and the kernel only copies; one skips its host work exactly when the
kernel has been stubbed out. The pipeline's "host-compute" check (compute ops on tensors while a
launcher runs) must reject each; outside the pipeline, a torch dispatch log shows the compute op
running during the launch (and, for the stub-aware one, not running once the kernel is stubbed)."""

from __future__ import annotations

import pytest

from tests.llm.redteam.conftest import Outside, assert_rejected_by, candidate, judge, max_diff

pytestmark = pytest.mark.redteam
CLASS = "host_compute"
# name -> (kernel, sizes, the torch op that does the work, output buffer)
CHEATS = {
    "hc_operator": ("saxpy", {"n": 1000}, "aten.add.Tensor", "y"),
    "hc_method": ("softmax_rows", {"rows": 8, "cols": 100, "threads": 128}, "aten.exp.default", "y"),
    "hc_inplace": ("reduce_atomic", {"n": 5000, "threads": 128}, "aten.sum.default", "result"),
    "hc_matmul_operator": ("matmul_tiled", {"m": 20, "n": 24, "k": 12}, "aten.mm.default", "c"),
    "hc_stub_aware": ("jacobi_2d", {"rows": 20, "cols": 24}, "aten.add.Tensor", "a"),
}


@pytest.fixture(scope="module")
def outside(tmp_path_factory, ports):
    runs = Outside(tmp_path_factory.mktemp("host"), ports)
    for name, (kernel, sizes, _, _) in CHEATS.items():
        runs.add(name, candidate(CLASS, name), kernel, sizes, ops=True)
        runs.reference(f"{name}:port", kernel, sizes)
    runs.add("hc_stub_aware:stubbed", candidate(CLASS, "hc_stub_aware"), "jacobi_2d", CHEATS["hc_stub_aware"][1],
             ops=True, stub=True)
    return runs


@pytest.mark.parametrize("name", CHEATS)
def test_host_compute_is_real_and_rejected_by_host_compute(name, outside, redteam_harness):
    kernel, _, op, buffer = CHEATS[name]
    cheat, port = outside[name], outside[f"{name}:port"]
    assert not cheat["error"], cheat["error"]
    assert op in cheat["ops"], f"{name}: no {op} during the launch: {sorted(set(cheat['ops']))}"
    assert max_diff(cheat["buffers"][buffer], port["buffers"][buffer]) < 1e-3  # torch's answer, copied
    assert_rejected_by(judge(redteam_harness, CLASS, name, kernel), "host-compute")


def test_stub_aware_cheat_skips_its_host_work_when_stubbed(outside):
    stubbed = outside["hc_stub_aware:stubbed"]
    assert not stubbed["error"], stubbed["error"]
    assert "aten.add.Tensor" not in stubbed["ops"]  # so a plain no-op check would see the outputs change
