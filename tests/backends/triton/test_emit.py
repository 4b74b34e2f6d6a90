"""The Triton emitter on small kernels: the module contract, readable output, refusals."""

import pytest

import porter
from tests.backends.triton.interpret import run_interpreted
from tests.passes.tile.cases import KERNELS

pytest.importorskip("triton")


def translate(name: str):
    return porter.translate(KERNELS[name], "triton", name=f"{name}.cu")


def test_module_contract():
    result = translate("divergent_if")
    assert result.ok
    assert "KERNELS = {'divergent_if': divergent_if}" in result.code
    assert "GATE = {'divergent_if': (divergent_if_kernel, divergent_if_signature)}" in result.code
    assert "def divergent_if(x, y, n, *, grid=(1, 1, 1), block=(1, 1, 1), shared_bytes=0, stream=None):" in result.code
    assert "@triton.jit" in result.code
    assert "CUDA kernel divergent_if (divergent_if.cu:2)" in result.code
    compile(result.code, "port.py", "exec")


def test_masks_and_masked_loads():
    code = translate("divergent_if").code
    assert "tl.where(" in code and "mask=" in code and "other=0" in code


def test_shared_memory_is_block_local_scratch_with_barriers():
    code = translate("phases").code
    assert "_sm_tile + _pid * _size_tile" in code
    assert "tl.debug_barrier()  # __syncthreads" in code


def test_masked_loop():
    code = translate("varying_trip").code
    assert "while tl.max(" in code and "(masked loop)" in code


def test_refused_kernel_is_left_out_with_a_diagnostic():
    result = translate("refused")
    assert not result.ok
    assert result.errors[0].id == "P0403"
    assert "KERNELS = {}" in result.code


def test_template_kernel_needs_an_instance():
    source = "template <int B> __global__ void k(float* y) { y[threadIdx.x] = B; }\n"
    result = porter.translate(source, "triton", name="t.cu")
    assert [d.id for d in result.errors] == ["P0406"]
    result = porter.translate(source, "triton", name="t.cu", instantiate=("k<4>",))
    assert result.ok and "'k<4>': k_4" in result.code


def test_run_in_interpreter_subprocess(tmp_path):
    """The emitted module runs under TRITON_INTERPRET=1 and computes what CUDA would."""
    script = """
start = torch.tensor([1, 2, 3, 6, 7, 27], dtype=torch.int32); steps = torch.full((6,), -1, dtype=torch.int32)
m.KERNELS["varying_trip"](start, steps, 5, grid=(2,), block=(3,))
print(steps.tolist())
"""
    assert run_interpreted(tmp_path, translate("varying_trip").code, script, timeout=120) == "[0, 1, 7, 8, 16, -1]"


def test_vector_components_keep_their_values_outside_a_branch(tmp_path):
    script = """
x = torch.arange(8, dtype=torch.float32) + 10; y = torch.zeros(8)
m.KERNELS["vector_divergent"](x, y, 4, grid=(1,), block=(8,))
print(y.tolist())
"""
    out = run_interpreted(tmp_path, translate("vector_divergent").code, script)
    assert out == str([19.0, 20.0, 21.0, 22.0, 7.0, 7.0, 7.0, 7.0])


def test_counted_loops_run_exactly_their_trip_counts(tmp_path):
    """Counted loops (trip counts known on entry) against a Python model of the C loops."""
    code = translate("counted_edges").code
    assert "masked loop, counted" in code and "(counted)" in code
    lo, hi, width, threads = [0, 5, -4, 9, 3], [10, 4, 4, 9, 30], 4, 5

    def model(t):
        a = sum(c for c in range(lo[t], hi[t] + 1, 3) if c % 2 != 0)
        a += sum(range(-2, width))
        return a + 100 * len(range(t, 7, threads))
    script = f"""
out = torch.full(({threads},), -1, dtype=torch.int32)
m.KERNELS["counted_edges"](torch.tensor({lo}, dtype=torch.int32), torch.tensor({hi}, dtype=torch.int32), out, {width},
                           grid=(1,), block=({threads},))
print(out.tolist())
"""
    assert run_interpreted(tmp_path, code, script, timeout=120) == str([model(t) for t in range(threads)])


def test_unrolling_innermost_counted_loops_is_an_option():
    unrolled = translate("strided_lanes").code
    assert "4 copies of the body per iteration" in unrolled
    plain = porter.translate(KERNELS["strided_lanes"], "triton", name="strided_lanes.cu", unroll=1).code
    assert "copies of the body" not in plain and "(counted)" in plain
    masked = porter.translate(KERNELS["strided_lanes"], "triton", name="strided_lanes.cu", strided=False).code
    assert "masked loop, counted, 4 copies of the body per iteration" in masked
