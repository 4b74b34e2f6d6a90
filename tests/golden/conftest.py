"""Fixtures for the golden tests: small kernel specs written into a temporary folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

SAXPY_CU = """\
__global__ void saxpy(int n, float a, const float* __restrict__ x, float* y) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = a * x[i] + y[i];
}
"""

SAXPY_TOML = """\
description = "y = a*x + y"
category = "elementwise"

[buffers]
x = { dtype = "float32", shape = "n", role = "in", init = "normal" }
y = { dtype = "float32", shape = "n", role = "inout", init = "uniform", low = -2.0, high = 2.0 }

[scalars]
n = "n"
a = 2.5

[[launch]]
kernel = "saxpy"
grid = "cdiv(n, 256)"
block = 256
args = ["n", "a", "x", "y"]

[[case]]
name = "n4096"
sizes = { n = 4096 }

[[case]]
name = "n1000"
sizes = { n = 1000 }
seed = 1
"""


class SpecFolder:
    """Writes NAME.cu and NAME.toml into a folder; returns the .toml path."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, name: str = "saxpy", toml: str = SAXPY_TOML, cuda: str | None = SAXPY_CU) -> Path:
        if cuda is not None:
            (self.root / f"{name}.cu").write_text(textwrap.dedent(cuda))
        path = self.root / f"{name}.toml"
        path.write_text(textwrap.dedent(toml))
        return path


@pytest.fixture
def specs(tmp_path: Path) -> SpecFolder:
    folder = tmp_path / "kernels"
    folder.mkdir()
    return SpecFolder(folder)
