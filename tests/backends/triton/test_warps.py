"""How many warps a Triton port's launcher gives a program (TritonOptions.warps)."""

import importlib.util

import pytest

import porter
from tests.passes.tile.test_widen import PAIRS

pytest.importorskip("triton")

H200 = (132 * 64, 32)  # 132 multiprocessors of 64 resident warps


def _module(tmp_path, **options):
    result = porter.translate(PAIRS, "triton", name="pairs.cu", **options)
    assert result.ok, result.errors
    path = tmp_path / f"pairs_{options.get('warps', 'auto')}.py"
    path.write_text(result.code)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_auto_packs_lanes_unless_the_grid_cannot_fill_the_gpu(tmp_path, monkeypatch):
    m = _module(tmp_path)
    monkeypatch.setattr(m, "_resident_warps", lambda device: H200)
    gpu = object()
    assert m._warps(256, 100_000, gpu) == 4  # packed: two lanes per thread
    assert m._warps(256, 761, gpu) == 8  # 761 x 4 warps < 8448: one warp per CUDA warp
    assert m._warps(256, 2112, gpu) == 4  # 2112 x 4 = 8448 fills it
    assert m._warps(1024, 100, gpu) == 32
    assert m._warps(64, 10, gpu) == 2 and m._warps(16, 10, gpu) == 1
    assert m._warp_choices(256) == [4, 8] and m._warp_choices(256, 64) == [4]


def test_off_the_gpu_auto_is_packed(tmp_path):
    m = _module(tmp_path)
    assert m._resident_warps(None) == (0, 32)
    assert m._warps(256, 1, None) == 4


@pytest.mark.parametrize("policy, few, many, choices", [("packed", 4, 4, [4]), ("cuda", 8, 8, [8])])
def test_fixed_policies(tmp_path, monkeypatch, policy, few, many, choices):
    m = _module(tmp_path, warps=policy)
    monkeypatch.setattr(m, "_resident_warps", lambda device: H200)
    assert (m._warps(256, 761, object()), m._warps(256, 100_000, object())) == (few, many)
    assert m._warp_choices(256) == choices


def test_an_unknown_policy_is_refused():
    with pytest.raises(Exception, match="warps must be one of auto, packed, cuda"):
        porter.translate(PAIRS, "triton", name="pairs.cu", warps="many")
