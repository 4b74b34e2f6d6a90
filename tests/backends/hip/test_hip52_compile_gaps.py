"""HIP 5.2 gaps found by compiling HeCBench ports: bf16 intrinsics, texture fetches on GPUs without
image instructions, dim3 from uint3, shuffles of template-typed 16-bit floats. Each is rewritten
(and the output compiles with hipcc) or reported on its line."""

from __future__ import annotations

import pytest

import porter
from porter.backends.hip.bf16_intrinsics import definition
from porter.backends.hip.compile_gate import compile_check, find_hipcc

_HIPCC = pytest.mark.skipif(find_hipcc() is None, reason="hipcc is not installed")

BF16 = """\
#include <cuda_bf16.h>
__global__ void k(const __nv_bfloat16* in, int* out, unsigned short* bits, __nv_bfloat16* back) {
  int i = threadIdx.x;
  out[i] = __bfloat162int_rn(in[i]) + __bfloat162int_rz(in[i]) + (int)__bfloat162uint_ru(in[i]);
  bits[i] = __bfloat16_as_ushort(in[i]);
  back[i] = __ushort_as_bfloat16(bits[i]);
}
"""


def _port(code: str, version: str = "5.2", arch: str = "gfx90a"):
    return porter.translate(code, "hip", hip_version=version, offload_arch=arch)


def test_bf16_conversions_become_helpers_before_hip6():
    result = _port(BF16)
    assert result.ok, [str(d) for d in result.diagnostics]
    kernel = result.code[result.code.index("__global__"):]
    for helper in ("__porter_bfloat162int_rn(in[i])", "__porter_bfloat162uint_ru(in[i])",
                   "__porter_bfloat16_as_ushort(in[i])", "__porter_ushort_as_bfloat16(bits[i])"):
        assert helper in kernel, helper
    assert "return __float2int_rn(static_cast<float>(h));" in result.code
    assert result.code.count("#define PORTER_HELPER_BF16_BFLOAT162INT_RN") == 1


def test_bf16_helpers_are_left_out_from_hip6():
    assert "__porter_bfloat16" not in _port(BF16, "6.3", "gfx942").code


def test_bf16_intrinsic_without_a_helper_is_an_error_on_its_line():
    code = "#include <cuda_bf16.h>\n__global__ void k(__nv_bfloat16* o, int v) {\n  o[0] = __int2bfloat16_rn(v);\n}\n"
    result = _port(code)
    [diagnostic] = [d for d in result.diagnostics if d.id == "P0271"]
    assert diagnostic.is_error and diagnostic.span.line == 3
    assert "__int2bfloat16_rn" in diagnostic.message


def test_a_project_function_of_a_bf16_name_is_left_alone():
    code = ("__device__ int __bfloat162int_rn(float x) { return (int)x; }\n"
            "__global__ void k(int* o, float v) { o[0] = __bfloat162int_rn(v); }\n")
    result = _port(code)
    assert "__porter_" not in result.code and not [d for d in result.diagnostics if d.id == "P0271"]


def test_helper_texts_exist_for_every_row():
    from porter.backends.hip.device_intrinsics import intrinsics_table

    table = intrinsics_table()["bf16"]
    for name in [*table["to_integer"], *table["bits"]]:
        text = definition(name)
        assert text and "__porter_" + name.lstrip("_") in text
    assert definition("__no_such_bf16") is None


TEXTURE = """\
__global__ void k(float* o, cudaTextureObject_t t, cudaTextureObject_t lin) {
  o[0] = tex2D<float>(t, 0.5f, 0.5f);
  o[1] = tex1Dfetch<float>(lin, 3);
}
"""


def test_texture_fetch_is_an_error_for_a_gpu_without_image_instructions():
    result = _port(TEXTURE)
    found = [d for d in result.diagnostics if d.id == "P0272"]
    assert [(d.is_error, d.span.line) for d in found] == [(True, 2)]  # tex1Dfetch compiles (buffer load)
    assert "tex2D" in found[0].message and "gfx90a" in found[0].message


def test_texture_fetch_is_fine_for_a_gpu_with_image_instructions():
    assert not [d for d in _port(TEXTURE, arch="gfx908").diagnostics if d.id == "P0272"]


DIM3 = """\
__global__ void k() {}
void run(cudaStream_t s) {
  dim3 grid(4, 1, 1);
  dim3 block = make_uint3(64, 1, 1);
  uint3 kept = make_uint3(1, 2, 3);
  grid = make_uint3(8, 1, 1);
  k<<<grid, block, 0, s>>>();
}
"""


def test_dim3_from_make_uint3_becomes_a_dim3():
    code = _port(DIM3).code
    assert "dim3 block = dim3(64, 1, 1);" in code and "grid = dim3(8, 1, 1);" in code
    assert "uint3 kept = make_uint3(1, 2, 3);" in code


SHUFFLE = """\
#include <cuda_fp16.h>
#include <cuda_bf16.h>
template <typename T>
__device__ T shfl_xor_any(T x, int lane_mask) { return __shfl_xor_sync(0xffffffff, x, lane_mask); }
__global__ void k(__half* h, __nv_bfloat16* b, float* f) {
  h[0] = shfl_xor_any(h[0], 1);
  b[0] = shfl_xor_any(b[0], 1);
  f[0] = shfl_xor_any(f[0], 1);
}
"""


def test_template_shuffle_of_16_bit_floats_gets_overloads_before_hip6():
    code = _port(SHUFFLE).code
    assert "static __device__ inline __half __shfl_xor(__half v" in code
    assert "__shfl_xor" in _port(SHUFFLE, "6.3", "gfx942").code
    assert "__half __shfl_xor(__half" not in _port(SHUFFLE, "6.3", "gfx942").code


def test_no_overloads_without_a_template_shuffle():
    code = _port("#include <cuda_fp16.h>\n"
                 "__device__ float f(float v) { return __shfl_xor_sync(0xffffffff, v, 1); }\n").code
    assert "__half __shfl_xor(__half" not in code


KERNEL_POINTERS = """\
__global__ void plain(float* o) { o[0] = 1; }
template <class T> __global__ void tmpl(T* o) { o[0] = 1; }
void f() {
  cudaFuncSetCacheConfig(tmpl<float>, cudaFuncCachePreferL1);
  cudaFuncSetCacheConfig(plain, cudaFuncCachePreferL1);
  cudaFuncSetAttribute((const void*)plain, cudaFuncAttributeMaxDynamicSharedMemorySize, 1024);
  cudaFuncAttributes attributes;
  cudaFuncGetAttributes(&attributes, plain);
}
"""


def test_kernels_passed_as_const_void_pointers_get_the_cast():
    code = _port(KERNEL_POINTERS).code
    assert "hipFuncSetCacheConfig(reinterpret_cast<const void*>(tmpl<float>), hipFuncCachePreferL1)" in code
    assert "hipFuncGetAttributes(&attributes, reinterpret_cast<const void*>(plain))" in code
    assert "hipFuncSetAttribute((const void*)plain," in code  # already a cast


@_HIPCC
@pytest.mark.parametrize("source", [BF16, DIM3, SHUFFLE, KERNEL_POINTERS], ids=["bf16", "dim3", "shuffle", "kernels"])
def test_hip52_output_compiles_for_gfx90a(source):
    result = _port(source)
    gate = compile_check(result.code, "gfx90a")
    assert gate.ok, gate.output[-3000:]


# ---- porter's bf16 type rounds a double or an int once, to nearest even, as CUDA's ----

CONVERT = """\
#include <cuda_bf16.h>
#include <cstdio>
int main() {
  double d;
  long long i;
  while (scanf("%la %lld", &d, &i) == 2) {
    __nv_bfloat16 from_double = d;
    __nv_bfloat16 from_int = i;
    printf("%04x %04x\\n", (unsigned)__bfloat16_as_ushort(from_double), (unsigned)__bfloat16_as_ushort(from_int));
  }
  return 0;
}
"""


def _bf16_bits(value) -> int:
    """CUDA's bf16 of ``value`` (a double or an int): rounded once, to nearest even."""
    import math
    import struct
    from fractions import Fraction

    exact = Fraction(value)
    negative = math.copysign(1.0, value) < 0 if isinstance(value, float) else value < 0  # -0.0 too
    sign = 0x8000 if negative else 0
    magnitude = abs(exact)
    if magnitude == 0:
        return sign
    exponent = max(magnitude.numerator.bit_length() - magnitude.denominator.bit_length(), -126)
    while Fraction(2) ** exponent > magnitude and exponent > -126:
        exponent -= 1
    while Fraction(2) ** (exponent + 1) <= magnitude:
        exponent += 1
    ulp = Fraction(2) ** (exponent - 7)
    steps = magnitude / ulp
    whole = steps.numerator // steps.denominator
    rest = steps - whole
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2 == 1):
        whole += 1
    rounded = whole * ulp
    if rounded >= Fraction(2) ** 128:
        return sign | 0x7F80
    return sign | (struct.unpack(">I", struct.pack(">f", float(rounded)))[0] >> 16)


@_HIPCC
def test_bf16_type_converts_doubles_and_ints_like_cuda(tmp_path):
    import math
    import random
    import subprocess

    result = _port(CONVERT)
    assert result.ok, [str(d) for d in result.diagnostics]
    source, program = tmp_path / "convert.hip", tmp_path / "convert"
    source.write_text(result.code)
    subprocess.run([find_hipcc(), "--offload-arch=gfx90a", "-w", str(source), "-o", str(program)], check=True,
                   capture_output=True, text=True, env={**__import__("os").environ, "HIP_PLATFORM": "amd"})
    rng = random.Random(5)
    doubles, ints = [0.0, -0.0, 1e-45, -3e-39, 3.3895e38, 3.4e38, 1e300, -1e300], [0, 1, -1, 2**53, -(2**40) - 1]
    for _ in range(300):  # ties between two bf16 values, and a hair either side of them
        bits = rng.randrange(0x0001, 0x7F7F)
        low = struct_float(bits << 16)
        middle = (low + struct_float((bits + 1) << 16)) / 2
        doubles += [middle, math.nextafter(middle, 0), math.nextafter(middle, math.inf), -middle]
        ints.append(rng.choice([-1, 1]) * (rng.randrange(1 << 8, 1 << 9) << rng.randrange(0, 22) | rng.randrange(2)))
    ints = (ints * ((len(doubles) // len(ints)) + 1))[:len(doubles)]
    stdin = "".join(f"{d.hex()} {i}\n" for d, i in zip(doubles, ints))
    output = subprocess.run([str(program)], input=stdin, check=True, capture_output=True, text=True).stdout.split()
    got = list(zip(output[0::2], output[1::2]))
    expected = [(f"{_bf16_bits(d):04x}", f"{_bf16_bits(i):04x}") for d, i in zip(doubles, ints)]
    mismatches = [(d.hex(), i, g, e) for d, i, g, e in zip(doubles, ints, got, expected) if g != e]
    assert len(got) == len(doubles) and not mismatches, mismatches[:5]


def struct_float(bits: int) -> float:
    import struct

    return struct.unpack(">f", struct.pack(">I", bits))[0]


# ---- definitions HIP already has, and bit built-ins HIP overloads ----

REDEFINED = """\
struct float4_ops {};
inline __host__ __device__ void operator-=(float4 &a, float4 b) { a.x -= b.x; a.y -= b.y; a.z -= b.z; a.w -= b.w; }
inline __host__ __device__ void operator-=(float4 &a, float b) { a.x -= b; a.y -= b; a.z -= b; a.w -= b; }
inline __host__ __device__ float4 operator+(float4 a, float4 b) { return make_float4(a.x + b.x, a.y, a.z, a.w); }
inline __host__ __device__ float4 operator-(const float4 &a) { return make_float4(-a.x, -a.y, -a.z, -a.w); }
__device__ double atomicMax(double* address, double val) {
  unsigned long long* p = (unsigned long long*)address;
  unsigned long long old = *p, assumed;
  do { assumed = old; old = atomicCAS(p, assumed, __double_as_longlong(fmax(val, __longlong_as_double(assumed)))); }
  while (assumed != old);
  return __longlong_as_double(old);
}
__device__ int atomicMax2(int* address, int val) { return atomicMax(address, val); }
__global__ void k(float4* v, double* m, long long* bits, int64_t* words, unsigned* first) {
  float4 t = v[0];
  t -= v[1];
  t -= 2.0f;
  v[0] = -(t + v[2]);
  atomicMax(m, 1.0);
  first[0] = __ffsll(words[0]) + __ffsll(bits[0]);
}
"""


def test_definitions_hip_has_are_removed_with_a_warning():
    result = _port(REDEFINED)
    code = result.code
    assert "/* porter: operator-=(float4, float4) removed: HIP's float4 defines it */" in code
    assert "/* porter: operator-(float4) removed" in code       # unary minus: HIP's member clashes too
    assert "void operator-=(float4 &a, float b)" in code       # HIP's scalar form is a template: no clash
    assert "float4 operator+(float4 a, float4 b)" in code       # HIP's binary operators are templates
    assert "/* porter: atomicMax(double*, double) removed: HIP defines it */" in code
    assert "atomicMax2(int* address" in code
    found = {d.id: d for d in result.diagnostics if d.id in ("P0273", "P0274")}
    assert set(found) == {"P0273", "P0274"} and not any(d.is_error for d in found.values())
    assert found["P0274"].span.line == 6


def test_ffsll_of_a_long_typed_value_gets_cuda_s_parameter_type():
    code = _port(REDEFINED).code
    assert "__ffsll(static_cast<long long>(words[0]))" in code and "__ffsll(bits[0])" in code


@_HIPCC
def test_removed_definitions_leave_code_that_compiles():
    gate = compile_check(_port(REDEFINED).code, "gfx90a")
    assert gate.ok, gate.output[-3000:]


HALF_ATOMICS = """\
#include <cuda_fp16.h>
__global__ void k(__half* h, float* f, __half2* pairs) {
  __half one = __float2half(1.0f);
  __half2 both = __halves2half2(one, one);
  atomicAdd(&h[threadIdx.x % 3], one);
  atomicAdd(pairs, both);
  atomicAdd((half2*)&f[2], both);
  atomicAdd(f, 1.0f);
}
"""


def test_half_atomics_get_overloads_only_where_a_half_is_added():
    assert "static __device__ inline __half atomicAdd(__half* address" in _port(HALF_ATOMICS).code
    only_float = "#include <cuda_fp16.h>\n__global__ void k(float* f, __half* h) { atomicAdd(f, 1.0f); }\n"
    assert "PORTER_HELPER_HALF_ATOMICS" not in _port(only_float).code


def test_runtime_include_goes_inside_a_cuda_only_branch_of_a_header_shared_with_c():
    header = ("#ifndef CU_H\n#define CU_H\n#ifdef __CUDACC__\n#define CHECK(x) if ((x) != cudaSuccess) abort()\n"
              "#else\n#define CHECK(x) (x)\n#endif\n#endif\n")
    code = _port(header).code
    assert "#ifdef __HIPCC__\n#include <hip/hip_runtime.h>\n#define CHECK(x) if ((x) != hipSuccess)" in code
    assert code.count("hip_runtime.h") == 1


@_HIPCC
def test_half_atomics_compile():
    gate = compile_check(_port(HALF_ATOMICS).code, "gfx90a")
    assert gate.ok, gate.output[-3000:]


VOTES = """\
__global__ void k(const float* v, int* out) {
  register int i = threadIdx.x;
  out[0] = __syncthreads_and(v[i] > 0) + __syncthreads_or(v[i] < 0) + __syncthreads_count(v[i] == 0);
}
"""


def test_block_votes_use_porter_s_helper_on_64_lane_gpus_before_hip6():
    code = _port(VOTES).code
    assert "__porter_syncthreads_and(v[i] > 0) + __porter_syncthreads_or(" in code
    assert "__porter_syncthreads_count(v[i] == 0)" in code
    assert "__porter_syncthreads" not in _port(VOTES, arch="gfx1100").code  # 32-lane: HIP's own compile
    assert "register" not in code and "  int i = threadIdx.x;" in code


@_HIPCC
def test_block_votes_compile_for_gfx90a():
    gate = compile_check(_port(VOTES).code, "gfx90a")
    assert gate.ok, gate.output[-3000:]


EMPTY_BRACES = """\
#include <cuda_fp16.h>
__global__ void k(half2* o) { half2 res2; res2 = {}; float4 f; f = {}; int n; n = {}; o[0] = res2; o[1] = res2; }
"""


def test_empty_brace_assignment_to_a_half_or_vector_names_its_type():
    code = _port(EMPTY_BRACES).code
    assert "res2 = half2{};" in code and "f = float4{};" in code and "n = {};" in code


@_HIPCC
def test_empty_brace_assignment_compiles():
    gate = compile_check(_port(EMPTY_BRACES).code, "gfx90a")
    assert gate.ok, gate.output[-3000:]


def test_a_c_source_defines_the_platform_before_the_runtime_include(tmp_path):
    source = tmp_path / "api.c"
    source.write_text("#include <stdio.h>\n#include <cuda_runtime.h>\n"
                      "int f(void) { float* p; return cudaMalloc((void**)&p, 4) == cudaSuccess; }\n")
    code = porter.translate(source, "hip", hip_version="5.2", offload_arch="gfx90a").code
    assert "#define __HIP_PLATFORM_AMD__\n#include <hip/hip_runtime.h>" in code
    cpp = tmp_path / "api.cu"
    cpp.write_text(source.read_text())
    assert "__HIP_PLATFORM_AMD__" not in porter.translate(cpp, "hip", hip_version="5.2").code


def test_cusparse_error_string_becomes_porter_s_helper_before_rocm6():
    code = "#include <cusparse.h>\nconst char* f(cusparseStatus_t s) { return cusparseGetErrorString(s); }\n"
    result = _port(code)
    assert "__porter_hipsparse_status_string(s)" in result.code
    assert 'return "HIPSPARSE_STATUS_ZERO_PIVOT";' in result.code
    assert not [d for d in result.diagnostics if d.is_error]
    assert "__porter_hipsparse_status_string" not in _port(code, "6.3", "gfx942").code


def test_a_macro_named_like_a_hip_template_parameter_gets_the_runtime_first():
    code = "#pragma once\n#define T float\n__global__ void k(T* x) { x[0] = 1; }\n"
    out = _port(code).code
    assert out.index("#include <hip/hip_runtime.h>  // porter: before the macro below") < out.index("#define T float")
