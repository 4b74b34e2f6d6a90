"""Raised reductions in the Triton emitter: tl.sum/tl.max over the lanes, and interpreter runs."""

import os
import subprocess
import sys

import pytest

import porter
from tests.passes.tile.reduction_cases import NOT_RAISED, RAISED

pytest.importorskip("triton")


def translate(source: dict, name: str):
    result = porter.translate(source[name], "triton", name=f"{name}.cu")
    assert result.ok
    return result.code


def test_tree_reduction_is_tl_sum_over_masked_lanes():
    code = translate(RAISED, "tree_reduce")
    assert "tl.sum(tl.where(" in code and "tl.full([], 0, tl.float32)" in code


def test_tree_max_uses_minus_infinity_as_identity():
    code = translate(RAISED, "tree_max")
    assert "tl.max(tl.where(" in code and "tl.full([], -_INF, tl.float32)" in code


def test_warp_reduction_is_segmented_and_has_no_exchange_buffer():
    code = translate(RAISED, "warp_reduce")
    assert "_segment_add(tl.where(" in code and "WARP: tl.constexpr" in code
    assert "_shuffle(" not in code.split("def warp_reduce_kernel")[1]
    assert "WARP=min(32, _BX * _BY * _BZ)" in code


def test_near_miss_keeps_the_exchange():
    code = translate(NOT_RAISED, "partial_mask")
    assert "_segment_" not in code.split("def partial_mask_kernel")[1] and "_shuffle(" in code


SCRIPT = """
import importlib.util, torch
spec = importlib.util.spec_from_file_location("port", {port!r}); m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)

def tree(x, b, op):  # what CUDA's tree computes for a block of b threads
    s = list(x)
    k = b // 2
    while k > 0:
        for t in range(k):
            s[t] = op(s[t], s[t + k])
        k //= 2
    return s[0]

x = torch.arange(3 * 64, dtype=torch.float32) % 17 - 8
for b in (64, 48):  # 48: not a power of two, so the guarded emulation runs
    out = torch.zeros(3)
    m.KERNELS["tree_reduce"](x, out, grid=(3,), block=(b,))
    want = [tree(x[g * b:(g + 1) * b].tolist(), b, lambda p, q: p + q) for g in range(3)]
    assert out.tolist() == want, (b, out.tolist(), want)
out = torch.zeros(2)
xs = torch.randn(256)
m.KERNELS["tree_max"](xs, out, grid=(2,), block=(128,))
assert out.tolist() == [xs[:128].max().item(), xs[128:].max().item()], out
out = torch.zeros(6)
m.KERNELS["warp_reduce"](x, out, grid=(3,), block=(64,))
assert torch.allclose(out, x.reshape(6, 32).sum(1)), out
out = torch.zeros(2)
m.KERNELS["helper_select"](x, out, grid=(2,), block=(64,), shared_bytes=256)
want = [(x[g * 64:(g + 1) * 64] - x[g * 64:(g + 1) * 64].max()).sum().item() for g in range(2)]
assert torch.allclose(out, torch.tensor(want)), (out, want)
xs = torch.randn(4 * 32)
out = torch.zeros(4 * 32)
m.KERNELS["xor_rows"](xs, out, grid=(2,), block=(32, 2))
assert torch.equal(out, xs.reshape(4, 32).max(1).values.repeat_interleave(32)), out
print("ok")
"""


NAMES = ("tree_reduce", "tree_max", "warp_reduce", "helper_select", "xor_rows")


def test_raised_reductions_run_in_interpreter(tmp_path):
    parts = [translate(RAISED, n) for n in NAMES]
    loader = tmp_path / "ports.py"
    mods = []
    for name, text in zip(NAMES, parts):
        (tmp_path / f"{name}.py").write_text(text)
        mods.append(name)
    loader.write_text(
        "import importlib.util, os\nKERNELS = {}\n"
        + "".join(f"spec = importlib.util.spec_from_file_location({n!r}, os.path.join(os.path.dirname(__file__), "
                  f"{n + '.py'!r}))\nmod = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(mod)\n"
                  "KERNELS.update(mod.KERNELS)\n" for n in mods))
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(port=str(loader))], capture_output=True, text=True,
                          env={**os.environ, "TRITON_INTERPRET": "1"}, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"
