"""How long building the kernel IR of a 2,000-line CUDA file takes (target: under a second).

    python -m pytest benchmarks/bench_ir.py --benchmark-enable        # pytest-benchmark table
    python benchmarks/bench_ir.py [--lines 2000] [--repeat 5]          # plain figures

The file is generated (deterministically) from kernel templates: element-wise with a grid-stride
loop, a shared-memory tree reduction, warp-shuffle reductions in device functions, a tiled matmul
with a k-loop, a block scan, a shared-memory histogram, a stencil on constant memory, a template
kernel with explicit instantiations, and host code that launches them. Timed: the tree-sitter
frontend, the libclang frontend, the default (``auto``) choice, and all analyses of the module.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from porter.frontends import clang_ir, ts_ir
from porter.frontends.ir_frontend import build_ir

from porter.passes.summary import analyze_module
from porter.source import SourceFile

TARGET_SECONDS = 1.0

TEMPLATES = [
    """
__global__ void scale_{n}(const float* __restrict__ in, float* __restrict__ out, float a, size_t count) {{
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (size_t)blockDim.x * gridDim.x) {{
        float v = in[i];
        out[i] = v > 0.0f ? a * v : 0.01f * v;
    }}
}}
""",
    """
__global__ void reduce_{n}(const float* in, float* out, int count) {{
    __shared__ float sdata[256];
    unsigned tid = threadIdx.x;
    unsigned i = blockIdx.x * 512 + tid;
    float v = 0.0f;
    if (i < count) v = in[i];
    if (i + 256 < count) v += in[i + 256];
    sdata[tid] = v;
    __syncthreads();
    for (unsigned s = 128; s > 0; s >>= 1) {{
        if (tid < s) sdata[tid] += sdata[tid + s];
        __syncthreads();
    }}
    if (tid == 0) out[blockIdx.x] = sdata[0];
}}
""",
    """
__device__ __forceinline__ float warp_sum_{n}(float v) {{
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffff, v, offset);
    return v;
}}

__global__ void row_sum_{n}(const float* x, float* y, int cols) {{
    __shared__ float partial[32];
    const float* row = x + (size_t)blockIdx.x * cols;
    float acc = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) acc += row[c];
    acc = warp_sum_{n}(acc);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) partial[warp] = acc;
    __syncthreads();
    if (warp == 0) {{
        acc = lane < blockDim.x / 32 ? partial[lane] : 0.0f;
        acc = warp_sum_{n}(acc);
        if (lane == 0) y[blockIdx.x] = acc;
    }}
}}
""",
    """
__global__ void matmul_{n}(const float* A, const float* B, float* C, int M, int N, int K) {{
    __shared__ float As[16][16];
    __shared__ float Bs[16][16];
    int row = blockIdx.y * 16 + threadIdx.y;
    int col = blockIdx.x * 16 + threadIdx.x;
    float acc = 0.0f;
    for (int t = 0; t < K; t += 16) {{
        As[threadIdx.y][threadIdx.x] = row < M && t + threadIdx.x < K ? A[row * K + t + threadIdx.x] : 0.0f;
        Bs[threadIdx.y][threadIdx.x] = col < N && t + threadIdx.y < K ? B[(t + threadIdx.y) * N + col] : 0.0f;
        __syncthreads();
#pragma unroll
        for (int k = 0; k < 16; ++k) acc += As[threadIdx.y][k] * Bs[k][threadIdx.x];
        __syncthreads();
    }}
    if (row < M && col < N) C[row * N + col] = acc;
}}
""",
    """
__global__ void scan_{n}(const int* in, int* out, int count) {{
    __shared__ int temp[512];
    int tid = threadIdx.x;
    int i = blockIdx.x * blockDim.x + tid;
    temp[tid] = i < count ? in[i] : 0;
    __syncthreads();
    for (int d = 1; d < blockDim.x; d *= 2) {{
        int t = tid >= d ? temp[tid - d] : 0;
        __syncthreads();
        temp[tid] += t;
        __syncthreads();
    }}
    if (i < count) out[i] = temp[tid];
}}
""",
    """
__global__ void histogram_{n}(const unsigned char* data, unsigned int* bins, int count) {{
    __shared__ unsigned int local[256];
    for (int b = threadIdx.x; b < 256; b += blockDim.x) local[b] = 0;
    __syncthreads();
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < count; i += blockDim.x * gridDim.x)
        atomicAdd(&local[data[i]], 1u);
    __syncthreads();
    for (int b = threadIdx.x; b < 256; b += blockDim.x) atomicAdd(&bins[b], local[b]);
}}
""",
    """
__constant__ float taps_{n}[7];

__global__ void stencil_{n}(const float* in, float* out, int count) {{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < 3 || i >= count - 3) return;
    float acc = 0.0f;
    for (int k = -3; k <= 3; ++k) acc += taps_{n}[k + 3] * in[i + k];
    out[i] = acc;
}}
""",
    """
template <typename T, int BLOCK>
__global__ void __launch_bounds__(BLOCK) block_max_{n}(const T* in, T* out, int count) {{
    __shared__ T s[BLOCK];
    int tid = threadIdx.x;
    int i = blockIdx.x * BLOCK + tid;
    s[tid] = i < count ? in[i] : T(0);
    __syncthreads();
    for (int k = BLOCK / 2; k > 0; k >>= 1) {{
        if (tid < k) s[tid] = s[tid] > s[tid + k] ? s[tid] : s[tid + k];
        __syncthreads();
    }}
    if (tid == 0) out[blockIdx.x] = s[0];
}}

template __global__ void block_max_{n}<float, 256>(const float*, float*, int);
template __global__ void block_max_{n}<double, 128>(const double*, double*, int);
""",
    """
void launch_{n}(const float* in, float* out, int count) {{
    scale_{n}<<<(count + 255) / 256, 256>>>(in, out, 2.0f, count);
    reduce_{n}<<<(count + 511) / 512, 256>>>(in, out, count);
    row_sum_{n}<<<count / 1024, 256>>>(in, out, 1024);
}}
""",
]


def generate(lines: int = 2000) -> str:
    """A CUDA file of at least ``lines`` lines, the templates repeated with numbered names."""
    parts = ["// generated by benchmarks/bench_ir.py\n#include <cuda_runtime.h>\n"]
    count = 0
    n = 0
    while count < lines:
        for template in TEMPLATES:
            chunk = template.format(n=n)
            parts.append(chunk)
            count += chunk.count("\n")
        n += 1
    return "".join(parts)


@pytest.fixture(scope="module")
def source() -> SourceFile:
    return SourceFile("bench_2000_lines.cu", generate())


def test_bench_treesitter(benchmark, source):
    module = benchmark(ts_ir.build_module, source)
    assert len(module.kernels) > 50


def test_bench_clang(benchmark, source):
    module = benchmark(clang_ir.build_module, source)
    assert len(module.kernels) > 50


def test_bench_auto(benchmark, source):
    module = benchmark(build_ir, source)
    assert module.frontend == "clang"  # the generated file parses cleanly: no fallback needed


def test_bench_analyses(benchmark, source):
    module = build_ir(source)
    result = benchmark(analyze_module, module)
    assert len(result.summaries) > 50


def test_under_a_second(source):
    for build in (ts_ir.build_module, clang_ir.build_module):
        start = time.perf_counter()
        build(source)
        assert time.perf_counter() - start < TARGET_SECONDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    text = generate(args.lines)
    source = SourceFile("bench.cu", text)
    print(f"{text.count(chr(10))} lines, {len(text)} bytes")
    runs = [("tree-sitter frontend", ts_ir.build_module), ("libclang frontend", clang_ir.build_module),
            ("auto (default)", build_ir)]
    for name, build in runs:
        best = min(_time(build, source) for _ in range(args.repeat))
        print(f"{name:24s} {best * 1000:8.1f} ms")
    module = build_ir(source)
    best = min(_time(analyze_module, module) for _ in range(args.repeat))
    print(f"{'all analyses':24s} {best * 1000:8.1f} ms  ({len(module.kernels)} kernels)")


def _time(function, argument) -> float:
    start = time.perf_counter()
    function(argument)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
