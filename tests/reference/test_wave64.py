"""HIP ports run as a 64-lane AMD GPU runs them (porter.reference's HIP dialect, hip_shim.h).

Warp-heavy golden kernels, ported for gfx90a with their specs' launches, must reproduce the
recorded goldens with 64-lane wavefronts (one CUDA original runs through the same executor with
32-lane warps as the control); ports with a seeded 32-lane assumption must fail; a row kernel of
32-thread rows is right only with the launch known (shuffle width 32), and warned about without
it; the shim's HIP semantics (zeros from missing lanes, shuffle widths, ROCm's mask checks, 64-bit
masks) are checked on one small kernel. Ten g++ builds in all, cached across runs.
"""

from __future__ import annotations

import shutil

import pytest

import porter
from porter.check.hip import HIP_VERSION, spec_launches
from porter.check.records import FAIL, PASS
from porter.reference.wave64 import CONTROL, PORT, WAVE64_ARCH, check_wave64
from tests.golden_cases import golden_cases

needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="the CPU reference needs g++")

#: Warp-heavy golden kernels whose gfx90a ports must pass at 64 lanes, and what they exercise.
PASSING = {
    "reduce_warp": "__shfl_down_sync loops in 32-, 96- and 128-thread blocks (kept at 32 lanes: the spec's "
                   "launches include blocks that do not fill wavefronts)",
    "argmax_rows": "rows of 32 threads (blocks [32, 4]): two rows share a wavefront, shuffles of width 32",
}


def _smallest(name: str):
    spec, _ = golden_cases(name)
    case = min(spec.cases, key=lambda c: sum(value for _, value in c.sizes))
    _, pairs = golden_cases(name, case.name)
    return spec, pairs


@needs_gxx
@pytest.mark.parametrize("name", sorted(PASSING))
def test_port_reproduces_goldens_with_64_lanes(name: str) -> None:
    spec, pairs = _smallest(name)
    control = name == "reduce_warp"  # one control keeps the executor honest; each costs a build
    records = check_wave64(spec, pairs, hip_version=HIP_VERSION, control=control)
    assert {r.run for r in records} == ({CONTROL, PORT} if control else {PORT})
    for record in records:
        assert record.status == PASS, f"{record.run} {record.case}: {record.detail}"


@needs_gxx
def test_rows_of_32_with_hip_6_3_masks() -> None:
    """HIP 6.3's *_sync forms: the full CUDA mask becomes __activemask(), which leaves out the row
    that exited past the last one (77 rows in blocks of 4), as ROCm's mask check requires."""
    spec, pairs = _smallest("argmax_rows")
    assert pairs[0][0].name == "77x130"
    records = check_wave64(spec, pairs, hip_version="6.3", control=False)
    assert records and all(r.status == PASS for r in records), records


def _wave64_rewrite(edit=None):
    """reduce_warp ported as if its launches were unknown: the 64-lane rewrite (loops from
    warpSize / 2, warp counts rounded up), right for its 32- and 96-thread partial wavefronts too."""
    spec, pairs = _smallest("reduce_warp")
    return check_wave64(spec, pairs, hip_version=HIP_VERSION, control=False, launches=(), edit_port=edit)


@needs_gxx
def test_64_lane_rewrite_is_right_in_partial_wavefronts() -> None:
    records = _wave64_rewrite()
    assert records and all(r.status == PASS for r in records), records


@needs_gxx
def test_shuffle_loop_starting_at_16_fails_on_64_lanes() -> None:
    """The seeded bug: a 64-lane reduction that starts at 16 leaves lanes 32-63 out."""
    def seed(code: str) -> str:
        assert "warpSize / 2" in code
        return code.replace("warpSize / 2", "16")

    records = _wave64_rewrite(seed)
    assert records and all(r.status == FAIL for r in records), records
    assert "expected" in records[0].detail


@needs_gxx
def test_warp_count_rounded_down_fails_on_partial_wavefronts() -> None:
    """`blockDim.x / warpSize` is 0 for the 32-thread launch of reduce_warp on 64 lanes."""
    def floor(code: str) -> str:
        assert "(blockDim.x + warpSize - 1) / warpSize" in code
        return code.replace("(blockDim.x + warpSize - 1) / warpSize", "blockDim.x / warpSize")

    records = _wave64_rewrite(floor)
    assert records and all(r.status == FAIL for r in records), records


@needs_gxx
def test_rows_of_32_ported_without_the_launch_fail_on_64_lanes() -> None:
    """argmax_rows ported without its launch (the 64-lane rewrite P0264 warns about): each
    wavefront's reduction mixes two rows."""
    spec, pairs = _smallest("argmax_rows")
    records = check_wave64(spec, pairs, hip_version=HIP_VERSION, control=False, launches=())
    assert records and all(r.status == FAIL for r in records), records


def test_row_kernel_port_follows_the_launch() -> None:
    """With the spec's launch ([32, 4]) the port keeps 32-lane groups (P0263); without it, the
    64-lane rewrite comes with a warning that names the kernel and the option (P0264)."""
    spec, _ = golden_cases("argmax_rows")
    launches = spec_launches(spec, spec.cases)
    assert launches == ("argmax_rows=32,4,1",)
    known = porter.translate(spec.source, "hip", hip_version=HIP_VERSION, offload_arch=WAVE64_ARCH,
                             launches=launches)
    assert [d.id for d in known.diagnostics] == ["P0263"]
    assert "__shfl_xor(value, mask, 32)" in known.code and "mask = 16" in known.code
    unknown = porter.translate(spec.source, "hip", hip_version=HIP_VERSION, offload_arch=WAVE64_ARCH)
    warnings = [d for d in unknown.diagnostics if d.id == "P0264"]
    assert len(warnings) == 1 and str(warnings[0].severity) == "warning"
    assert warnings[0].span.line == 24 and "--launch argmax_rows=" in warnings[0].hint
    assert "mask = warpSize / 2" in unknown.code and ", 32)" not in unknown.code


def test_launch_option_is_validated() -> None:
    with pytest.raises(ValueError, match="KERNEL=BX"):
        porter.translate("__global__ void k() {}", "hip", launches=("k=32x4",))


PROBE_KERNEL = """#include <hip/hip_runtime.h>
__global__ void probe(const float* __restrict__ x, float* __restrict__ y, int mode) {
    float v = x[threadIdx.x];
    float r = 0.0f;
    if (mode == 0) r = __shfl_down(v, 32) + 1000.0f * warpSize;
    if (mode == 1) r = __shfl_xor(v, 32);
    if (mode == 2) r = __shfl_xor_sync(__activemask(), v, 1);
    if (mode == 3) r = __shfl_xor(v, 16, 32);
    if (mode == 4) r = __shfl_xor_sync(0xffffffffffffffffULL, v, 1);
    y[threadIdx.x] = r;
}
"""
PROBE_SPEC = """description = "one shuffle per thread of one block, chosen by mode"
category = "reduction"
[buffers]
x = { dtype = "float32", shape = "n", role = "in", init = "arange" }
y = { dtype = "float32", shape = "n", role = "out" }
[scalars]
mode = "mode"
[[launch]]
kernel = "probe"
grid = 1
block = "n"
args = ["x", "y", "mode"]
"""
PROBES = {"missing_lanes": (0, 32), "wavefront": (1, 128), "active_mask": (2, 32), "width_32": (3, 128),
          "full_mask_partial": (4, 32)}


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    """y[i] for each thread i of one block (x[i] = i) on 64 lanes, by probe name; one g++ build."""
    from porter.golden.spec import load_spec
    from porter.reference import run_reference

    folder = tmp_path_factory.mktemp("probe")
    cases = "".join(f'[[case]]\nname = "{name}"\nsizes = {{ mode = {mode}, n = {n} }}\n'
                    for name, (mode, n) in PROBES.items())
    (folder / "probe.cu").write_text(PROBE_KERNEL)
    (folder / "probe.toml").write_text(PROBE_SPEC + cases)
    spec = load_spec(folder / "probe.toml")
    by_name = {case.name: case for case in spec.cases}
    return lambda name: run_reference(PROBE_KERNEL, spec, by_name[name], dialect="hip", lanes=64)["y"]


@needs_gxx
def test_missing_lanes_read_zero(probe) -> None:
    """ds_bpermute: lane 0 of a 32-thread block reading lane 32 gets 0, not its own value."""
    assert list(probe("missing_lanes")[:2]) == [64000.0, 64000.0]


@needs_gxx
def test_shuffle_width_and_wavefront(probe) -> None:
    y = probe("wavefront")
    assert y[0] == 32 and y[40] == 8 and y[64] == 96
    y = probe("width_32")  # within 32-lane segments: lane 40 pairs with 56, not 24
    assert y[0] == 16 and y[40] == 56 and y[100] == 116


@needs_gxx
def test_full_mask_in_a_partial_wavefront_faults(probe) -> None:
    from porter.reference import ReferenceFault

    y = probe("active_mask")
    assert y[0] == 1 and y[1] == 0
    with pytest.raises(ReferenceFault, match="__hip_check_mask"):
        probe("full_mask_partial")


@needs_gxx
def test_32_bit_mask_is_rejected(tmp_path) -> None:
    from porter.golden.spec import load_spec
    from porter.reference import ReferenceRejected, run_reference

    source = PROBE_KERNEL.replace("0xffffffffffffffffULL", "0xffffffffu")
    (tmp_path / "probe.cu").write_text(source)
    (tmp_path / "probe.toml").write_text(PROBE_SPEC + '[[case]]\nname = "one"\nsizes = { mode = 4, n = 64 }\n')
    spec = load_spec(tmp_path / "probe.toml")
    with pytest.raises(ReferenceRejected, match="64-bit"):
        run_reference(source, spec, spec.cases[0], dialect="hip", lanes=64)
