"""Fixtures for the bench tests: small specs in a temporary folder, and whether a GPU is here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.golden.conftest import SAXPY_CU, SAXPY_TOML  # the same spec as the golden tests

# The same kernel, made slower on purpose: every thread spins for a while first.
SAXPY_SPIN_CU = """\
__global__ void saxpy(int n, float a, const float* __restrict__ x, float* y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    long long start = clock64();
    while (clock64() - start < 200000) { }
    if (i < n) y[i] = a * x[i] + y[i];
}
"""

COPY_CU = """\
__global__ void copy(long long n, const float4* __restrict__ src, float4* __restrict__ dst) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long stride = (long long)gridDim.x * blockDim.x;
    for (; i < n; i += stride) dst[i] = src[i];
}
"""

COPY_TOML = """\
description = "dst = src, float4 grid-stride copy"
category = "elementwise"

[buffers]
src = { dtype = "float32", shape = "4 * n", role = "in", init = "normal" }
dst = { dtype = "float32", shape = "4 * n", role = "out" }

[scalars]
n = "n"

[[launch]]
kernel = "copy"
grid = "min(cdiv(n, 256), 132 * 16)"
block = 256
args = ["n", "src", "dst"]

[[case]]
name = "big"
sizes = { n = 4194304 }

[[case]]
name = "small"
sizes = { n = 1024 }
"""


def write_spec(folder: Path, name: str, cu: str, toml: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.cu").write_text(cu)
    path = folder / f"{name}.toml"
    path.write_text(toml)
    return path


@pytest.fixture
def saxpy_spec(tmp_path):
    from porter.golden import load_spec

    return load_spec(write_spec(tmp_path / "kernels", "saxpy", SAXPY_CU, SAXPY_TOML))


def gpu_here() -> bool:
    smi = shutil.which("nvidia-smi")
    if smi is None or shutil.which("nvcc") is None:
        return False
    try:
        return subprocess.run([smi, "-L"], capture_output=True, timeout=30, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


needs_gpu = pytest.mark.skipif(not gpu_here(), reason="needs an NVIDIA GPU, nvidia-smi and nvcc")
