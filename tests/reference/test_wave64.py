"""HIP ports run as a 64-lane AMD GPU runs them (porter.reference's HIP dialect, hip_shim.h).

Warp-heavy golden kernels, ported for gfx90a, must reproduce the recorded goldens with 64-lane
wavefronts, and their CUDA originals through the same executor with 32-lane warps (the control);
a port with a seeded 32-lane assumption must fail; the shim's HIP semantics (zeros from missing
lanes, ROCm's mask checks, 64-bit masks) are checked on small kernels. One g++ build per run.
"""

from __future__ import annotations

import shutil

import pytest

from porter.check.hip import HIP_VERSION
from porter.check.records import FAIL, PASS
from porter.reference.wave64 import CONTROL, PORT, check_wave64
from tests.golden_cases import golden_cases

pytestmark = pytest.mark.skipif(shutil.which("g++") is None, reason="the CPU reference needs g++")

#: Warp-heavy golden kernels whose gfx90a ports must pass at 64 lanes, and what they exercise.
PASSING = {
    "reduce_warp": "__shfl_down_sync loops, warp count of 32- and 96-thread blocks (partial wavefronts)",
    "cross_entropy": "__shfl_xor_sync max and sum reductions over 256-thread blocks",
    "layernorm": "warp shuffles and per-warp shared slots in 128-thread blocks",
}


def _smallest(name: str):
    spec, _ = golden_cases(name)
    case = min(spec.cases, key=lambda c: sum(value for _, value in c.sizes))
    _, pairs = golden_cases(name, case.name)
    return spec, pairs


@pytest.mark.parametrize("name", sorted(PASSING))
def test_port_reproduces_goldens_with_64_lanes(name: str) -> None:
    spec, pairs = _smallest(name)
    records = check_wave64(spec, pairs, hip_version=HIP_VERSION)  # the HIP version porter check ports for
    assert {r.run for r in records} == {CONTROL, PORT}
    for record in records:
        assert record.status == PASS, f"{record.run} {record.case}: {record.detail}"


def test_shuffle_loop_starting_at_16_fails_on_64_lanes() -> None:
    """The seeded bug: a 64-lane reduction that starts at 16 leaves lanes 32-63 out."""
    spec, pairs = _smallest("reduce_warp")

    def seed(code: str) -> str:
        assert "warpSize / 2" in code
        return code.replace("warpSize / 2", "16")

    records = check_wave64(spec, pairs, hip_version=HIP_VERSION, edit_port=seed, control=False)
    assert records and all(r.status == FAIL for r in records), records
    assert "expected" in records[0].detail


def test_warp_count_rounded_down_fails_on_partial_wavefronts() -> None:
    """`blockDim.x / warpSize` is 0 for the 32-thread launch of reduce_warp on 64 lanes."""
    spec, pairs = _smallest("reduce_warp")

    def floor(code: str) -> str:
        assert "(blockDim.x + warpSize - 1) / warpSize" in code
        return code.replace("(blockDim.x + warpSize - 1) / warpSize", "blockDim.x / warpSize")

    records = check_wave64(spec, pairs, hip_version=HIP_VERSION, edit_port=floor, control=False)
    assert all(r.status == FAIL for r in records), records


SHIM_KERNEL = """#include <hip/hip_runtime.h>
__global__ void probe(const float* __restrict__ x, float* __restrict__ y) {
    float v = x[threadIdx.x];
    y[threadIdx.x] = BODY;
}
"""
SHIM_SPEC = """description = "one expression per thread of one block"
category = "reduction"
[buffers]
x = { dtype = "float32", shape = "n", role = "in", init = "arange" }
y = { dtype = "float32", shape = "n", role = "out" }
[[launch]]
kernel = "probe"
grid = 1
block = "n"
args = ["x", "y"]
[[case]]
name = "one"
sizes = { n = THREADS }
"""


def _probe(tmp_path, body: str, threads: int):
    """y[i] = BODY for each thread i of one block of ``threads``, x[i] = i, on 64 lanes."""
    from porter.golden.spec import load_spec
    from porter.reference import run_reference

    source = SHIM_KERNEL.replace("BODY", body)
    (tmp_path / "probe.cu").write_text(source)
    (tmp_path / "probe.toml").write_text(SHIM_SPEC.replace("THREADS", str(threads)))
    spec = load_spec(tmp_path / "probe.toml")
    return run_reference(source, spec, spec.cases[0], dialect="hip", lanes=64)["y"]


def test_missing_lanes_read_zero(tmp_path) -> None:
    """ds_bpermute: lane 0 of a 32-thread block reading lane 32 gets 0, not its own value."""
    y = _probe(tmp_path, "__shfl_down(v, 32) + 1000.0f * warpSize", 32)
    assert list(y[:2]) == [64000.0, 64000.0]


def test_shuffle_width_and_wavefront(tmp_path) -> None:
    y = _probe(tmp_path, "__shfl_xor(v, 32)", 128)
    assert y[0] == 32 and y[40] == 8 and y[64] == 96


def test_full_mask_in_a_partial_wavefront_faults(tmp_path) -> None:
    from porter.reference import ReferenceFault

    with pytest.raises(ReferenceFault, match="__hip_check_mask"):
        _probe(tmp_path, "__shfl_xor_sync(0xffffffffffffffffULL, v, 1)", 32)
    y = _probe(tmp_path, "__shfl_xor_sync(__activemask(), v, 1)", 32)
    assert y[0] == 1 and y[1] == 0


def test_32_bit_mask_is_rejected(tmp_path) -> None:
    from porter.reference import ReferenceRejected

    with pytest.raises(ReferenceRejected, match="64-bit"):
        _probe(tmp_path, "__shfl_xor_sync(0xffffffffu, v, 1)", 64)
