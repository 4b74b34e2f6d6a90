"""A kernel with no parameters (real code has them: an empty warm-up kernel) ports to every tile
backend as a module that compiles and runs, beside a kernel that has parameters."""

import numpy as np
import pytest

import porter

SOURCE = "__global__ void EmptyKernel() { }\n__global__ void ones(float* x) { x[threadIdx.x] = 1.0f; }\n"


@pytest.mark.parametrize("target", ["triton", "pallas", "nki"])
def test_a_kernel_without_parameters_ports_and_runs(target, tmp_path, monkeypatch):
    result = porter.translate(SOURCE, target, name="empty.cu")
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    path = tmp_path / f"empty_{target}.py"
    path.write_text(result.code)
    monkeypatch.setenv("TRITON_INTERPRET", "1")
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"empty_{target}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if target == "pallas":
        module.INTERPRET = True  # the CPU has only the interpreter
    module.KERNELS["EmptyKernel"](grid=(2, 1, 1), block=(32, 1, 1))
    if target == "triton":
        torch = pytest.importorskip("torch")
        x = torch.zeros(32)
    else:
        x = np.zeros(32, dtype=np.float32)
    module.KERNELS["ones"](x, grid=(1, 1, 1), block=(32, 1, 1))
    assert float(x.sum()) == 32.0
