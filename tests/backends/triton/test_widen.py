"""Wide accesses in Triton ports: the float4 kernel computes what CUDA does in the interpreter,
and compiles to 16-byte loads and stores for NVIDIA and AMD (for NVIDIA, none without the pass)."""

import re

import pytest

import porter
from tests.backends.triton.interpret import run_interpreted
from tests.passes.tile.test_widen import FLOAT4, PAIRS

pytest.importorskip("triton")

SCRIPT = """
torch.manual_seed(0)
n = 4 * 37 + 3  # lanes past n / 4 masked off; the last 3 elements untouched (no tail here)
x, y = torch.randn(n), torch.randn(n)
want = y.clone()
want[:4 * 37] = 1.5 * x[:4 * 37] - 0.5 * y[:4 * 37]
m.KERNELS["axpby4"](n, 1.5, x, -0.5, y, grid=(2,), block=(32,))
assert torch.equal(y, want), (y - want).abs().max()
x2, y2 = torch.randn(2 * 45), torch.zeros(2 * 45)
m2 = importlib.util.module_from_spec(importlib.util.spec_from_file_location("pairs", {pairs!r}))
m2.__spec__.loader.exec_module(m2)
m2.KERNELS["pairs"](x2, y2, 40, grid=(2,), block=(32,))
want2 = torch.zeros(2 * 45)
want2[0:80:2], want2[1:80:2] = x2[1:80:2], x2[0:80:2]
assert torch.equal(y2, want2)
print("ok")
"""


def _port(tmp_path, text, name, **options):
    result = porter.translate(text, "triton", name=f"{name}.cu", **options)
    assert result.ok, result.errors
    path = tmp_path / f"{name}.py"
    path.write_text(result.code)
    return path, result.code


def test_wide_accesses_compute_what_cuda_does(tmp_path):
    _, code = _port(tmp_path, FLOAT4, "axpby4")
    pairs, pairs_code = _port(tmp_path, PAIRS, "pairs")
    assert code.count("(wide)") == 3 and pairs_code.count("(wide)") == 2
    assert run_interpreted(tmp_path, code, SCRIPT, "axpby4", pairs=str(pairs)) == "ok"


def _global_accesses(path, target) -> set[str]:
    import importlib.util

    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn, signature = module.GATE["axpby4"]
    sig, constexprs = signature((256,))
    # pointers 16-byte aligned, as Triton's launcher specializes them (cudaMalloc / torch buffers)
    attrs = {(i,): [["tt.divisibility", 16]] for i, kind in enumerate(sig.values()) if kind.startswith("*")}
    compiled = triton.compile(ASTSource(fn, sig, constexprs, attrs), target=GPUTarget(*target),
                              options={"num_warps": 4})
    assert compiled.metadata.shared == 0  # the columns split and join in registers
    if target[0] == "cuda":
        return set(re.findall(r"(?:ld|st)\.global\.[\w.]+", compiled.asm["ptx"]))
    return set(re.findall(r"global_(?:load|store)_\w+", compiled.asm["amdgcn"]))


@pytest.mark.parametrize("target, wide", [(("cuda", 90, 32), {"ld.global.v4.b32", "st.global.v4.b32"}),
                                          (("hip", "gfx942", 64), {"global_load_dwordx4", "global_store_dwordx4"})])
def test_float4_compiles_to_16_byte_accesses(tmp_path, target, wide):
    port, _ = _port(tmp_path, FLOAT4, "axpby4")
    assert wide <= _global_accesses(port, target)
    if target[0] == "cuda":  # (AMD's backend merges the four scalar accesses itself)
        narrow, _ = _port(tmp_path, FLOAT4, "axpby4_narrow", widen=False)
        assert not wide & _global_accesses(narrow, target)
