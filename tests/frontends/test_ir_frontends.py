"""What each construct becomes in the IR, the same from both frontends (parametrized)."""

from __future__ import annotations

import pytest

from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.printer import print_function, print_module
from tests.ir.helpers import build_text

BOTH = pytest.mark.parametrize("frontend", ["treesitter", "clang"])


def kernel_text(module, name=None) -> str:
    fn = next(f for f in module.functions if name is None or f.full_name == name)
    return print_function(fn)


def ids(module) -> list[str]:
    return [d.id for d in module.diagnostics]


@BOTH
def test_parameters_shared_and_launch_bounds(frontend):
    module = build_text("""
__global__ void __launch_bounds__(256, 2) k(const float* __restrict__ a, volatile int* b, unsigned n, size_t m) {
    extern __shared__ float dyn[];
    __shared__ double tile[16][17];
    dyn[threadIdx.x] = a[0];
}
""", frontend)
    fn = module.kernels[0]
    assert [str(p.type) for p in fn.params] == ["ptr<f32 const restrict>", "ptr<i32 volatile>", "u32", "u64"]
    assert [(s.name, str(s.type), s.dynamic, s.bytes) for s in fn.shared] == [
        ("dyn", "f32[?]", True, None), ("tile", "f64[16][17]", False, 16 * 17 * 8)]
    assert (fn.launch_bounds.max_threads, fn.launch_bounds.min_blocks) == (256, 2)


@BOTH
def test_statements(frontend):
    module = build_text("""
__global__ void k(float* a, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x, j;
    for (j = 0; j < n; j++) { if (j == 3) continue; if (j > 8) break; a[j] += 1.0f; }
    while (n > 0) n -= 2;
    do { n++; } while (n < 4);
    if (i < n) a[i] = i; else return;
    __syncthreads();
    __syncwarp();
}
""", frontend)
    assert kernel_text(module) == """kernel k(a: ptr<f32>, n: i32) -> void {
  var i: i32 = blockIdx.x * blockDim.x + threadIdx.x
  var j: i32
  for (j = 0; j < n; j += 1) {
    if (j == 3) {
      continue
    }
    if (j > 8) {
      break
    }
    a[j] += 1.0f
  }
  while (n > 0) {
    n -= 2
  }
  do {
    n += 1
  } while (n < 4)
  if (i < n) {
    a[i] = i
  } else {
    return
  }
  __syncthreads()
  __syncwarp()
}"""


@BOTH
def test_expressions_and_types(frontend):
    module = build_text("""
__global__ void k(const float4* v, float* out, int n) {
    float x = v[0].x + (float)n * 2.0;
    unsigned m = 0xffffffff;
    long long big = 1LL << 40;
    float s = n > 0 ? sqrtf(x) : -1.0f;
    out[0] = static_cast<float>(m) + float(big) + sizeof(float4) + s;
    out[1] = __shfl_down_sync(m, x, 16) + __float2half(x) + atomicAdd(out, 1.0f);
}
""", frontend)
    fn = module.kernels[0]
    text = print_function(fn, types=True)
    assert "var x: f32 = (v:ptr<f32x4 const>[0]:f32x4.x:f32 + (ccast<f32>(n:i32):f32 * 2.0):f64):f64" in text
    assert "var m: u32 = 4294967295u" in text
    assert "16ul" in text  # sizeof(float4), of type size_t
    assert "__shfl_down_sync(m:u32, x:f32, 16):f32" in text
    assert "atomicAdd(out:ptr<f32>, 1.0f):f32" in text


@BOTH
def test_macros_and_preprocessor(frontend):
    module = build_text("""
#define N 64
#define IDX(r, c) ((r) * N + (c))
#ifndef BLOCK
#define BLOCK 128
#endif
#if BLOCK > 100
#define BIG 1
#endif
__global__ void k(float* a) {
    __shared__ float s[N][BLOCK / 2];
#ifdef BIG
    a[IDX(threadIdx.y, threadIdx.x)] = s[0][0];
#else
    a[0] = 0;
#endif
}
""", frontend)
    text = kernel_text(module)
    assert "shared s: f32[64][64]" in text
    assert "a[threadIdx.y * 64 + threadIdx.x] = s[0][0]" in text


@BOTH
def test_templates_are_instantiated(frontend):
    module = build_text("""
template <typename T, int B>
__global__ void k(T* a) { __shared__ T s[B]; s[threadIdx.x] = a[threadIdx.x] * T(2); if (B > 64) a[0] = s[B - 1]; }
template __global__ void k<float, 128>(float*);
void host(double* d) { k<double, 32><<<1, 32>>>(d); }
""", frontend)
    names = [f.full_name for f in module.functions]
    assert names == ["k", "k<f32, 128>", "k<f64, 32>"]
    instance = module.functions[1]
    assert [str(s.type) for s in instance.shared] == ["f32[128]"]
    assert "funccast<f32>(2)" in print_function(instance)
    assert "if (128 > 64)" in print_function(instance)
    assert [(l.kernel, l.template_args, l.config) for l in module.launches] == [("k", ("f64", "32"), ("1", "32"))]


@BOTH
def test_device_functions_linked_by_name(frontend):
    module = build_text("""
__device__ float helper(float);
__device__ __forceinline__ float sq(float x) { return x * x; }
__global__ void k(float* a) { a[0] = sq(a[1]) + helper(a[2]); }
""", frontend)
    assert [(f.name, f.kind, f.body is not None) for f in module.functions] == [
        ("sq", "device", True), ("k", "kernel", True), ("helper", "device", False)]
    assert "sq(a[1]) + helper(a[2])" in kernel_text(module, "k")
    assert module.functions[0].attrs == ("forceinline",)
    call = module.kernels[0].body.body[0].value.lhs
    assert isinstance(call, N.Call) and module.function(call.callee, len(call.args)).name == "sq"


@BOTH
def test_globals_structs_enums(frontend):
    module = build_text("""
struct Pair { float a; int b; };
enum { LANES = 4 };
constexpr int kSize = LANES * 8;
__constant__ float coeffs[kSize];
__device__ int counter = 0;
__global__ void k(Pair* p) { p[0].a = coeffs[LANES] + p->b + counter; }
""", frontend)
    assert [(g.name, g.space, str(g.type)) for g in module.globals] == [
        ("LANES", "const", "i32"), ("kSize", "const", "i32"), ("coeffs", "constant", "f32[32]"),
        ("counter", "device", "i32")]
    assert "p[0].a = coeffs[LANES] + p->b + counter" in kernel_text(module, "k")
    arrow = module.kernels[0].body.body[0].value.lhs.rhs
    assert isinstance(arrow, N.Member) and arrow.arrow and arrow.type == T.I32


@BOTH
def test_opaque_constructs_have_diagnostics(frontend):
    module = build_text("""
__global__ void k(int* a, int mode) {
    asm volatile("membar.gl;");
    switch (mode) { case 0: a[0] = 1; break; default: break; }
    a[1] = a[2]++;
    a[3] = mystery(a[4]);
}
""", frontend)
    text = kernel_text(module)
    assert 'opaque[inline-asm] "asm volatile(\\"membar.gl;\\")"' in text
    assert "opaque[switch]" in text
    assert 'a[1] = opaque[side-effect]("a[2]++")' in text
    assert 'a[3] = opaque[unknown-call]("mystery(a[4])")' in text
    if frontend == "treesitter":  # clang reports `mystery` as an error; tree-sitter as P0302
        assert ids(module) == ["P0301", "P0301", "P0303", "P0302"]


def test_auto_falls_back_per_function():
    module = build_text("""
#include <cooperative_groups.h>
namespace cg = cooperative_groups;
__global__ void fine(float* a) { a[threadIdx.x] = 1.0f; }
__global__ void uses_cg(float* a) { cg::thread_block b = cg::this_thread_block(); b.sync(); a[0] = 2.0f; }
""", "auto")
    assert module.frontend == "clang+treesitter"
    assert [f.name for f in module.functions] == ["fine", "uses_cg"]
    assert "P0304" in ids(module)
    assert "__syncthreads()" in kernel_text(module, "uses_cg")  # block.sync() read by tree-sitter


def test_treesitter_recovers_from_syntax_errors():
    module = build_text("__global__ void k(float* a) { a[0] = ; if (x { }\n}\n__global__ void ok(float* b) { b[0] = 1; }\n")
    assert [f.name for f in module.kernels][-1] == "ok"
    assert "P0305" in ids(module)


def test_module_printer_lists_everything():
    module = build_text("""
__constant__ float c[4];
__global__ void k(float* a) { a[0] = c[1]; }
int main() { float* d; k<<<2, 64>>>(d); return 0; }
""", "clang")
    assert print_module(module) == """module k.cu
global constant c: f32[4]

kernel k(a: ptr<f32>) -> void {
  a[0] = c[1]
}

launch k<<<2, 64>>>

host code: 1 span(s), lines 4-4
"""


def test_types_of_builtins():
    module = build_text("__global__ void k(int* a) { a[0] = threadIdx.x + warpSize; }")
    store = module.kernels[0].body.body[0]
    assert store.value.lhs.type == T.U32 and store.value.rhs.type == T.I32
    assert store.value.type == T.U32
