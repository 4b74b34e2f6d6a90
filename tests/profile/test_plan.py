"""`porter trace plan`: profiled kernels mapped to their __global__ definitions, with verdicts."""

from pathlib import Path

import pytest

from porter.golden import corpus_dir
from porter.profile import ncu, plan, store

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def golden_app_db(tmp_path):
    text = (FIXTURES / "ncu_raw.csv").read_text()
    # plus a library kernel no source defines
    text += ('"3","4242","golden_app","127.0.0.1","void cub::DeviceReduceKernel<int>(int*)","1","7",'
             '"(128, 1, 1)","(1, 1, 1)","0","9.0","0","0","999999","8","0","0","0","0","0","0","0","0"\n')
    return store.open_profile(store.write(ncu.profile_from_csv(text), tmp_path / "app.db"))


def test_plan_names_the_definition_and_a_verdict_per_target(golden_app_db):
    rows = plan.plan(golden_app_db, corpus_dir(), targets=("hip", "triton"))
    by_name = {r.kernel: r for r in rows}
    saxpy = by_name["saxpy"]
    assert [(d.file.name, d.line) for d in saxpy.definitions] == [("saxpy.cu", 2)]
    assert saxpy.verdicts == {"hip": "ports", "triton": "ports"}
    assert by_name["softmax_rows"].definitions[0].file.name == "softmax_rows.cu"
    # the library kernel took the most time but is not the user's: it comes last, with no verdict
    assert rows[-1].kernel == "DeviceReduceKernel" and rows[-1].definitions == [] and rows[-1].verdicts == {}
    assert rows[0].kernel in ("saxpy", "softmax_rows")


def test_a_refused_kernel_carries_the_diagnostic(tmp_path):
    source = tmp_path / "k.cu"
    source.write_text("__global__ void uses_clock(long long* t) {\n    t[threadIdx.x] = clock64();\n}\n")
    csv = (FIXTURES / "ncu_raw.csv").read_text().replace("saxpy(int, float, const float *, float *)",
                                                         "uses_clock(long long *)")
    db = store.open_profile(store.write(ncu.profile_from_csv(csv), tmp_path / "p.db"))
    row = next(r for r in plan.plan(db, source, targets=("triton",)) if r.kernel == "uses_clock")
    assert row.definitions[0].line == 1
    assert row.verdicts["triton"].startswith("refused: P")
