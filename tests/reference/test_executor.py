"""The CPU reference executor (porter.reference) against the recorded GPU goldens.

Each original golden kernel, run by the reference on its smallest case with the recorded inputs,
must give the recorded outputs within porter's check tolerances; a disagreement is a bug of the
shim (porter/reference/cuda_shim.h). CI runs a fixed subset that covers every feature the shim provides
(one g++ build each, about 1-2 s); ``PORTER_REFERENCE_ALL=1`` runs all 47 kernels of
golden/kernels. The other tests check the outcomes that are not outputs: a source g++ rejects, an
endless loop, an access past a buffer, a barrier deadlock, constructs the shim cannot run.
"""

from __future__ import annotations

import os
import re

import pytest

from porter.check.compare import compare_outputs
from porter.reference import (
    ReferenceFault,
    ReferenceRejected,
    ReferenceTimeout,
    ReferenceUnsupported,
    rewrite_extern_shared,
    run_reference,
)
from tests.golden_cases import GOLDEN, golden_cases

#: What each kernel of the CI subset exercises in the shim.
SUBSET = {
    "saxpy": "scalars, 1-D grid",
    "reduce_warp": "__shfl_down_sync, static __shared__, two launches, runtime block size",
    "rmsnorm": "bfloat16, __shfl_xor_sync, 2-D blocks (a warp per row)",
    "half2_axpy": "__half, __half2, __hfma2, a __half scalar",
    "softmax_rows": "extern __shared__, __syncthreads in a device function",
    "histogram": "integer atomics on shared and global memory, min/max",
    "reduce_atomic": "float atomicAdd",
    "stream_compact": "__syncthreads_count, three launches",
    "reduce_shared": "a template kernel",
    "axpby_float4": "float4 loads and stores",
    "transpose_tiled": "2-D grid, 2-D shared tile",
    "cast_precision": "float to half/bfloat16/int conversions of edge values",
}
ALL = sorted(path.stem for path in GOLDEN.glob("*.toml"))
KERNELS = ALL if os.environ.get("PORTER_REFERENCE_ALL") == "1" else sorted(SUBSET)


def _smallest(name: str):
    """(spec, its case with the fewest elements, that case's recorded golden)."""
    spec, _ = golden_cases(name)
    case = min(spec.cases, key=lambda c: sum(value for _, value in c.sizes))
    _, [(_, golden)] = golden_cases(name, case.name)
    return spec, case, golden


@pytest.mark.parametrize("name", KERNELS)
def test_reproduces_recorded_golden(name: str) -> None:
    spec, case, golden = _smallest(name)
    outputs = run_reference(spec.source.read_text(), spec, case, inputs=golden.inputs)
    assert set(outputs) == set(golden.outputs)
    comparison = compare_outputs(spec, golden.outputs, outputs)
    assert comparison.ok, f"{name}/{case.name}: {comparison.detail}"


def test_generates_porters_inputs() -> None:
    """Without ``inputs``, the case's inputs come from porter.golden (the recorded ones)."""
    spec, case, golden = _smallest("saxpy")
    outputs = run_reference(spec.source.read_text(), spec, case)
    assert (outputs["y"] == run_reference(spec.source.read_text(), spec, case, inputs=golden.inputs)["y"]).all()
    assert compare_outputs(spec, golden.outputs, outputs).ok


def test_mutant_computes_something_else() -> None:
    """A changed operator changes the outputs: agreement with the goldens is not vacuous."""
    spec, case, golden = _smallest("saxpy")
    source = spec.source.read_text()
    mutant = source.replace("a * x[i] + y[i]", "a * x[i] - y[i]")
    assert mutant != source
    comparison = compare_outputs(spec, golden.outputs, run_reference(mutant, spec, case, inputs=golden.inputs))
    assert not comparison.ok


def test_syntax_error_is_rejected_with_gxx_first_error() -> None:
    spec, case, _ = _smallest("saxpy")
    source = spec.source.read_text()
    line = source.splitlines().index(next(l for l in source.splitlines() if "if (i < n)" in l)) + 1
    with pytest.raises(ReferenceRejected) as raised:
        run_reference(source.replace("if (i < n)", "if (i < )"), spec, case)
    assert re.match(rf"kernel\.cu:{line}:\d+: error: ", str(raised.value)), str(raised.value)


def test_mutant_that_no_longer_takes_the_arguments_is_rejected() -> None:
    spec, case, _ = _smallest("saxpy")
    with pytest.raises(ReferenceRejected, match="launching the spec's kernels"):
        run_reference(spec.source.read_text().replace("const float*", "double*"), spec, case)


def test_endless_loop_times_out() -> None:
    spec, case, _ = _smallest("saxpy")
    mutant = spec.source.read_text().replace("if (i < n) {", "while (i < n) {")
    with pytest.raises(ReferenceTimeout):
        run_reference(mutant, spec, case, timeout=1.0)


def test_read_past_the_end_of_a_buffer_faults() -> None:
    spec, case, _ = _smallest("saxpy")
    mutant = spec.source.read_text().replace("if (i < n)", "if (i <= n)")
    with pytest.raises(ReferenceFault, match="invalid memory access"):
        run_reference(mutant, spec, case)


def test_read_into_the_padding_after_a_buffer_faults() -> None:
    """stencil_1d_3pt's smallest case has n = 2 floats (8 bytes, ending in 8 bytes of padding
    before the guard page): reading x[n] must fault, not read whatever the padding holds."""
    spec, case, _ = _smallest("stencil_1d_3pt")
    assert dict(case.sizes)["n"] * 4 % 16
    mutant = spec.source.read_text().replace("min(i + 1, n - 1)", "min(i + 1, n + 1)")
    with pytest.raises(ReferenceFault, match="outside a buffer"):
        run_reference(mutant, spec, case)


def test_write_into_the_padding_after_a_buffer_faults() -> None:
    spec, case, _ = _smallest("stencil_1d_3pt")
    mutant = spec.source.read_text().replace("y[i] =", "y[i + 1] =")
    with pytest.raises(ReferenceFault, match="write past the end of a buffer"):
        run_reference(mutant, spec, case)


def test_read_before_the_start_of_a_buffer_faults() -> None:
    """conv2d_3x3 with taps[(dy - 1) * 3 + ...] reads taps[-6..-1]: memory before the buffer."""
    spec, case, _ = _smallest("conv2d_3x3")
    mutant = spec.source.read_text().replace("taps[(dy + 1) * 3", "taps[(dy - 1) * 3")
    with pytest.raises(ReferenceFault, match="outside a buffer"):
        run_reference(mutant, spec, case)


def test_data_race_between_threads_faults() -> None:
    """scale_bias with i = row + cols + col: threads of different columns write one y[i] with
    different values, so the outputs depend on the order the threads run in."""
    spec, case, _ = _smallest("scale_bias")
    mutant = spec.source.read_text().replace("int i = row * cols + col;", "int i = row + cols + col;")
    with pytest.raises(ReferenceFault, match="data race"):
        run_reference(mutant, spec, case)


def test_barrier_deadlock_faults() -> None:
    """Half of each warp waits at a shuffle of the whole warp, the other half at __syncthreads."""
    spec, case, _ = _smallest("saxpy")
    mutant = spec.source.read_text().replace(
        "int i =", "if (threadIdx.x % 32 < 16) { a = __shfl_sync(0xffffffffu, a, 0); } else { __syncthreads(); }\n"
        "    int i =")
    with pytest.raises(ReferenceFault, match="deadlock"):
        run_reference(mutant, spec, case)


@pytest.mark.parametrize(("insert", "what"), [
    ('asm volatile("membar.gl;");', "inline assembly"),
    ("a = __fictional_intrinsic(a);", "__fictional_intrinsic"),
])
def test_what_the_shim_cannot_run_is_unsupported(insert: str, what: str) -> None:
    spec, case, _ = _smallest("saxpy")
    mutant = spec.source.read_text().replace("int i =", f"{insert}\n    int i =")
    with pytest.raises(ReferenceUnsupported, match=what):
        run_reference(mutant, spec, case)


def test_extern_shared_rewrite_keeps_lines() -> None:
    source = ("__global__ void k(float* p) {\n"
              "    extern __shared__ __align__(16) unsigned int local[];\n"
              "    extern __shared__ float4 wide[ ];\n"
              "    p[0] = local[0];\n}\n")
    rewritten = rewrite_extern_shared(source)
    assert rewritten.count("\n") == source.count("\n")
    assert "unsigned int* const local = reinterpret_cast<unsigned int*>(::porter_ref::dynamic_shared());" in rewritten
    assert "float4* const wide = reinterpret_cast<float4*>" in rewritten
    assert "extern" not in rewritten
