"""Small CUDA trees and a way to run the ``porter`` command in-process, shared by the CLI and engine tests."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

KERNEL = """\
// reduce.cu: a warp-shuffle reduction with a runtime-API host side.
#include <cuda_runtime.h>
#include "common/util.cuh"

__global__ void reduce(const float* in, float* out, int n) {
    float v = 0.0f;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) v += in[i];
    for (int offset = warpSize / 2; offset > 0; offset /= 2) v += __shfl_down(v, offset);
    if ((threadIdx.x % warpSize) == 0) atomicAdd(out, v);
}

int run(const float* host, int n) {
    float *in = nullptr, *out = nullptr;
    cudaMalloc(&in, n * sizeof(float));
    cudaMalloc(&out, sizeof(float));
    cudaMemcpy(in, host, n * sizeof(float), cudaMemcpyHostToDevice);
    reduce<<<(n + 255) / 256, 256>>>(in, out, n);
    cudaError_t status = cudaDeviceSynchronize();
    cudaFree(in);
    cudaFree(out);
    return status == cudaSuccess ? 0 : 1;
}
"""

HEADER = """\
#pragma once
#include <cuda_runtime.h>
__device__ inline float square(float x) { return x * x; }
inline void check(cudaError_t status) { if (status != cudaSuccess) throw status; }
"""

HOST = """\
#include <cuda_runtime.h>
#include <cstdio>
int devices() {
    int count = 0;
    cudaGetDeviceCount(&count);
    std::printf("%d\\n", count);
    return count;
}
"""

WARP32 = """\
__global__ void lanes(float* x) {
    unsigned lane = threadIdx.x & 31;
    float v = x[threadIdx.x];
    v += __shfl_xor_sync(0xffffffff, v, 16);
    if (lane == 0) x[blockIdx.x] = v;
}
"""  # an error diagnostic (P0210: assumes 32 lanes) in code that still ports

PLAIN_HEADER = "#pragma once\nint add(int a, int b);\n"  # nothing CUDA: no edit
README = "# a tiny CUDA project\n\nBuild with nvcc.\n"
DATA = bytes(range(256)) * 4  # a binary data file: copied as it is


def make_tree(root: Path) -> Path:
    """A few CUDA files (one with an error diagnostic), a header, a plain header, a README and data,
    in nested folders."""
    files = {
        "reduce.cu": KERNEL,
        "common/util.cuh": HEADER,
        "kernels/warp32.cu": WARP32,
        "host/devices.cpp": HOST,
        "host/include/plain.h": PLAIN_HEADER,
        "README.md": README,
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "data").mkdir()
    (root / "data" / "table.bin").write_bytes(DATA)
    return root


@dataclass
class Outcome:
    code: int
    out: str
    err: str


def run_porter(args: list[str], capsys, monkeypatch) -> Outcome:
    """Run ``porter ARGS`` in-process exactly as the console script does (errors and exit codes included)."""
    from porter.cli import main

    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["porter", *map(str, args)])
    try:
        main()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    captured = capsys.readouterr()
    return Outcome(code, captured.out, captured.err)


def temporary_files(root: Path) -> list[Path]:
    """Files porter.atomic would leave behind if a write were interrupted."""
    return [p for p in root.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".porter-probe")]
