"""Device-side constructs HIP lacks at the targeted version: cooperative-groups reductions, warp
*_sync built-ins in every call shape, SIMD video intrinsics, cache-hint loads and stores, late
half math. Each is rewritten for HIP 5.2 (or reported), the output compiles with hipcc, and the
helpers that compute something agree with a model of CUDA's semantics on random inputs."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

import porter
from porter.backends.hip.compile_gate import compile_check, find_hipcc
from porter.backends.hip.device_intrinsics import helper_text, intrinsics_table

KERNEL = """\
#include <cuda_fp16.h>
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
namespace cg = cooperative_groups;
#define FULL uint32_t(-1)
__global__ void k(unsigned* a, const float* f, float* g, __half* h, float4* q) {
  unsigned x = a[threadIdx.x];
  a[0] = __vmaxs4(x, a[1]) + __vabsdiffu4(x, 3u) + __vadd2(x, 1u) + __vsadu4(x, x) + __vcmpeq4(x, 0u);
  float v = __ldcs(f + threadIdx.x) + __ldcg(&f[1]) + __ldlu(f) + __ldca(f) + ::__shfl_xor_sync(0xffffffff, 1.0f, 1);
  float4 w = __ldcv(q);
  __stcs(g, v);
  __stwb(g + 1, v);
  __stcg(g + 2, 1.0f);
  __stwt(q + 1, w);
  h[0] = __hmax(h[1], h[2]);
  h[1] = __hmin(h[1], h[2]);
  v += __shfl_sync(FULL, v, 0);
  v += __any_sync(0xffffffff, v > 0) + __all_sync(~0u, v > 0) + __ballot_sync(0xFFFFFFFFu, v > 1);
  cg::thread_block_tile<32> tile = cg::tiled_partition<32>(cg::this_thread_block());
  g[1] = cg::reduce(tile, v, cg::plus<float>()) + cg::reduce(tile, v, cg::less<float>());
  a[3] = cooperative_groups::reduce(tile, x, cooperative_groups::bit_or<unsigned>());
}
"""


def _port(code: str, version: str, arch: str = "gfx90a"):
    return porter.translate(code, "hip", hip_version=version, offload_arch=arch)


def test_hip52_rewrites_every_gap():
    result = _port(KERNEL, "5.2")
    assert result.ok, [str(d) for d in result.diagnostics]
    code = result.code
    kernel = code[code.index("__global__"):]
    for gone in ("__vmaxs4(", "__ldcs(", "__ldcg(", "__ldcv(", "__stcs(", "__stwt(", "__hmax(", "_sync(",
                 " cg::reduce", "= cooperative_groups::reduce", "(cg::plus"):
        assert gone not in kernel, gone
    assert "cooperative_groups/reduce.h" not in code
    for helper in ("__porter_vmaxs4(x, a[1])", "__porter_ld_plain(f + threadIdx.x)", "__porter_ld_volatile(q)",
                   "__porter_st_volatile(q + 1, w)", "__porter_hmax(h[1], h[2])", "__shfl_xor(1.0f, 1)",
                   "__shfl(v, 0)", "__porter_cg::reduce(tile, v, __porter_cg::plus<float>())",
                   "__porter_cg::bit_or<unsigned>()", "#define PORTER_HELPER_CG_REDUCE"):
        assert helper in code, helper
    assert code.count("#define PORTER_HELPER_SIMD_VMAXS4") == 1


def test_hip63_keeps_what_hip_has():
    code = _port(KERNEL, "6.3", "gfx942").code
    assert "cg::reduce(tile, v, cg::plus<float>())" in code and "__porter_cg" not in code
    assert "__hmax(h[1], h[2])" in code and "__porter_hmax" not in code
    # on 64-lane wavefronts a full CUDA mask is the lanes that run (a 64-bit full mask faults in a
    # partial wavefront)
    assert "::__shfl_xor_sync(__activemask(), 1.0f, 1)" in code
    assert "__porter_vmaxs4" in code and "__porter_ld_plain" in code  # no HIP version has these


@pytest.mark.parametrize("call", ["__shfl_down_sync<float>(0xffffffff, v, 1)", "__shfl_sync(mask, v, 0)"])
def test_hip52_reports_what_it_cannot_rewrite(call):
    code = f"__device__ float f(float v, unsigned mask) {{ return {call}; }}\n"
    result = _port(code, "5.2")
    errors = [d for d in result.diagnostics if d.is_error]  # P0264 warns of the unknown launch too
    assert [d.id for d in errors] in (["P0290"], ["P0201"])
    assert errors[0].span.line == 1
    assert call in result.code


def test_unmodelled_video_intrinsic_is_reported():
    result = _port("__device__ unsigned f(unsigned a) { return __vavgs4(a, a); }\n", "6.3")
    assert [d.id for d in result.diagnostics] == ["P0292"]


def test_mask_macro_from_included_header(tmp_path):
    (tmp_path / "masks.h").write_text("#define WARP_MASK 0xFFFFFFFF // every lane\n")
    source = tmp_path / "k.cu"
    source.write_text('#include "masks.h"\n__device__ int f(int v) { return __shfl_sync(WARP_MASK, v, 0); }\n')
    result = porter.translate(source, "hip", hip_version="5.2")
    assert result.ok and "__shfl(v, 0)" in result.code


@pytest.mark.skipif(find_hipcc() is None, reason="hipcc is not installed")
def test_hip52_output_compiles_for_gfx90a():
    result = _port(KERNEL, "5.2")
    gate = compile_check(result.code, "gfx90a")
    assert gate.ok, gate.output[-3000:]


# ---- numeric checks of the helpers, compiled for the host with g++ ----

_GXX = shutil.which("g++")
_SHIM = "#define __device__\n#define __host__\n#include <cstdio>\n#include <cstring>\n"


def _run_cpp(tmp_path: Path, source: str, stdin: str) -> str:
    path, exe = tmp_path / "check.cpp", tmp_path / "check"
    path.write_text(source)
    subprocess.run([_GXX, "-std=c++20", "-O1", "-pthread", str(path), "-o", str(exe)], check=True,
                   capture_output=True, text=True)
    return subprocess.run([str(exe)], input=stdin, check=True, capture_output=True, text=True).stdout


_KEEP_SUFFIX = {"add", "sub", "addss", "subss", "addus", "subus", "haddu", "avgu", "abs", "absss", "neg", "negss",
                "cmpeq", "cmpne", "seteq", "setne"}


def _simd_model(name: str, a: int, b: int) -> int:
    """CUDA's SIMD video intrinsics, lane by lane, from the CUDA Math API's descriptions."""
    row = intrinsics_table()["simd_video"][name]
    bits = 32 // row["lanes"]
    mask = (1 << bits) - 1
    signed = row["signed"]
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, mask)

    def lanes(word):
        out = []
        for i in range(0, 32, bits):
            v = (word >> i) & mask
            out.append(v - (1 << bits) if signed and v >> (bits - 1) else v)
        return out

    def sat(v):
        return max(lo, min(hi, v))

    key = name[3:-1]  # "__vmaxs4" -> "maxs"
    if key not in _KEEP_SUFFIX:
        key = key[:-1]  # the signedness letter: "maxs" -> "max", "cmpgeu" -> "cmpge"
    conditions = {"eq": lambda x, y: x == y, "ne": lambda x, y: x != y, "ge": lambda x, y: x >= y,
                  "gt": lambda x, y: x > y, "le": lambda x, y: x <= y, "lt": lambda x, y: x < y}
    results = []
    for x, y in zip(lanes(a), lanes(b)):
        if key.startswith(("cmp", "set")):
            true = conditions[key[3:]](x, y)
            value = (-1 if true else 0) if key.startswith("cmp") else int(true)
        else:
            value = {"add": x + y, "sub": x - y, "addss": sat(x + y), "subss": sat(x - y), "addus": sat(x + y),
                     "subus": sat(x - y), "haddu": (x + y) // 2, "avgu": (x + y + 1) // 2, "absdiff": abs(x - y),
                     "max": max(x, y), "min": min(x, y), "sad": abs(x - y), "abs": abs(x), "absss": sat(abs(x)),
                     "neg": -x, "negss": sat(-x)}[key]
        results.append(value)
    if row.get("kind") == "sum":
        return sum(results) & 0xFFFFFFFF
    word = 0
    for i, value in enumerate(results):
        word |= (value & mask) << (i * bits)
    return word


@pytest.mark.skipif(_GXX is None, reason="g++ is not installed")
def test_simd_video_helpers_match_cuda_model(tmp_path):
    names = sorted(intrinsics_table()["simd_video"])
    rng = random.Random(1234)
    special = [0, 0xFFFFFFFF, 0x80808080, 0x7F7F7F7F, 0x80007FFF, 0x01FF80FE]
    pairs = [(a, b) for a in special for b in special] + [(rng.getrandbits(32), rng.getrandbits(32)) for _ in range(300)]
    from porter.backends.hip.simd_video import helper_name
    calls = "\n".join(f'  printf("%u\\n", {helper_name(n)}(a' + (")" if intrinsics_table()["simd_video"][n].get("kind") == "unary" else ", b)") + ");"
                      for n in names)
    source = _SHIM + "".join(helper_text("simd:" + n) for n in names) + (
        "int main() { unsigned a, b; while (scanf(\"%u %u\", &a, &b) == 2) {\n" + calls + "\n} }\n")
    out = _run_cpp(tmp_path, source, "".join(f"{a} {b}\n" for a, b in pairs)).split()
    expected = [str(_simd_model(n, a, b)) for a, b in pairs for n in names]
    mismatches = [(names[i % len(names)], pairs[i // len(names)], out[i], expected[i])
                  for i in range(len(expected)) if out[i] != expected[i]]
    assert len(out) == len(expected) and not mismatches, mismatches[:10]


@pytest.mark.skipif(_GXX is None, reason="g++ is not installed")
@pytest.mark.parametrize("size", [4, 8, 16, 32])
def test_cg_reduce_helper_matches_a_sequential_reduction(tmp_path, size):
    """The helper runs on one host thread per lane; shfl_xor goes through a barrier-synchronised
    array, as lanes of a tile exchange values. Every lane must get the whole tile's reduction."""
    shim = _SHIM + f"""#include <barrier>
#include <thread>
#include <vector>
constexpr unsigned N = {size};
std::barrier<> sync_point(N);
long long slots[N];
thread_local unsigned lane;
struct Tile {{
  unsigned size() const {{ return N; }}
  template <class T> T shfl_xor(T v, unsigned mask) const {{
    slots[lane] = v; sync_point.arrive_and_wait();
    T got = (T)slots[lane ^ mask]; sync_point.arrive_and_wait();
    return got;
  }}
}};
"""
    body = helper_text("cg_reduce") + """
int main() {
  std::vector<long long> in(N), sum(N), mn(N), mx(N), ored(N), xored(N);
  for (unsigned i = 0; i < N; ++i) scanf("%lld", &in[i]);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < N; ++t) threads.emplace_back([&, t] {
    lane = t; Tile tile;
    sum[t] = __porter_cg::reduce(tile, in[t], __porter_cg::plus<long long>());
    mn[t] = __porter_cg::reduce(tile, in[t], __porter_cg::less<long long>());
    mx[t] = __porter_cg::reduce(tile, in[t], __porter_cg::greater<long long>());
    ored[t] = __porter_cg::reduce(tile, in[t], __porter_cg::bit_or<long long>());
    xored[t] = __porter_cg::reduce(tile, in[t], __porter_cg::bit_xor<long long>());
  });
  for (auto& t : threads) t.join();
  for (unsigned i = 0; i < N; ++i) printf("%lld %lld %lld %lld %lld\\n", sum[i], mn[i], mx[i], ored[i], xored[i]);
}
"""
    rng = random.Random(size)
    values = [rng.randrange(-10**6, 10**6) for _ in range(size)]
    out = _run_cpp(tmp_path, shim + body, " ".join(map(str, values)))
    xor = 0
    orv = 0
    for v in values:
        xor ^= v
        orv |= v
    expected = f"{sum(values)} {min(values)} {max(values)} {orv} {xor}"
    assert out.splitlines() == [expected] * size


@pytest.mark.skipif(_GXX is None, reason="g++ is not installed")
def test_cache_hint_helpers_load_and_store_exactly(tmp_path):
    table = intrinsics_table()["helpers"]
    source = _SHIM + "".join(table[k] for k in ("ld_plain", "ld_volatile", "st_plain", "st_volatile")) + """
struct F3 { float x, y, z; };
struct B3 { unsigned char r, g, b; };
int main() {
  F3 f{1.5f, -2.0f, 3.25f}, g{}; B3 c{1, 2, 3}, d{};
  double x = 0.1, y = 0;
  __porter_st_volatile(&g, __porter_ld_volatile(&f));
  __porter_st_volatile(&d, __porter_ld_volatile(&c));
  __porter_st_plain(&y, __porter_ld_plain(&x));
  __porter_st_volatile(&x, 7);
  printf("%g %g %g %d %d %d %.17g %g\\n", g.x, g.y, g.z, d.r, d.g, d.b, y, x);
}
"""
    assert _run_cpp(tmp_path, source, "").split() == ["1.5", "-2", "3.25", "1", "2", "3", "0.10000000000000001", "7"]
