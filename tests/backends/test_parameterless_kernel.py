"""A kernel with no parameters (real code has them: an empty warm-up kernel) ports to every tile
backend as a module that compiles and runs, beside a kernel that has parameters."""

import importlib.util

import numpy as np
import pytest

import porter
from tests.backends.triton.interpret import run_interpreted

SOURCE = "__global__ void EmptyKernel() { }\n__global__ void ones(float* x) { x[threadIdx.x] = 1.0f; }\n"


def _ported(target: str) -> str:
    result = porter.translate(SOURCE, target, name="empty.cu")
    assert not [d for d in result.diagnostics if d.is_error], result.diagnostics
    return result.code


@pytest.mark.parametrize("target", ["pallas", "nki"])
def test_a_kernel_without_parameters_ports_and_runs(target, tmp_path):
    path = tmp_path / f"empty_{target}.py"
    path.write_text(_ported(target))
    spec = importlib.util.spec_from_file_location(f"empty_{target}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if target == "pallas":
        module.INTERPRET = True  # the CPU has only the interpreter
    module.KERNELS["EmptyKernel"](grid=(2, 1, 1), block=(32, 1, 1))
    x = np.zeros(32, dtype=np.float32)
    module.KERNELS["ones"](x, grid=(1, 1, 1), block=(32, 1, 1))
    assert float(x.sum()) == 32.0


def test_a_kernel_without_parameters_ports_and_runs_on_triton(tmp_path):
    pytest.importorskip("torch")
    # the interpreter must be on before triton is imported: a child process (see interpret.py)
    out = run_interpreted(tmp_path, _ported("triton"), (
        "m.KERNELS['EmptyKernel'](grid=(2, 1, 1), block=(32, 1, 1))\n"
        "x = torch.zeros(32)\n"
        "m.KERNELS['ones'](x, grid=(1, 1, 1), block=(32, 1, 1))\n"
        "print(float(x.sum()))\n"))
    assert out.splitlines()[-1] == "32.0"
