"""The CUDA prelude porter parses every file with, so that libclang needs no CUDA toolkit.

libclang parses with ``-x cuda --cuda-host-only -nocudainc -nocudalib``: the CUDA attributes are
clang's own, but the built-in variables (``threadIdx``...), types (``float4``, ``__half``) and
functions (intrinsics) normally come from the toolkit's headers. This header declares just what
the IR models, generically: every intrinsic of :mod:`porter.ir.intrinsics` is declared as a
variadic template, so a call parses whatever its arguments; porter types the call itself.

:data:`PREDEFINED` are the macros both frontends see as defined (tree-sitter evaluates ``#if`` with
them, libclang gets them from the prelude), so they take the same ``#if`` branches.
"""

from __future__ import annotations

from functools import cache

from porter.ir import intrinsics

PRELUDE_NAME = "/__porter__/porter_cuda_prelude.h"
INCLUDE_DIR = "/__porter__/include"

#: Macros defined for both frontends. ``__CUDA_ARCH__`` stays undefined: libclang parses the host
#: side of the file, and tree-sitter takes the same ``#if`` branches.
PREDEFINED = {
    "__CUDACC__": "1", "__CUDA__": "1", "__cplusplus": "201703L", "__NVCC__": "1",
    "CUDART_VERSION": "12000", "__CUDACC_VER_MAJOR__": "12",
    # <cfloat>, <climits>, <cmath> and math_constants.h, which porter does not read
    "INFINITY": "__builtin_inff()", "NAN": "__builtin_nanf(\"\")", "HUGE_VALF": "__builtin_inff()",
    "HUGE_VAL": "__builtin_inf()", "CUDART_INF_F": "__builtin_inff()", "CUDART_NAN_F": "__builtin_nanf(\"\")",
    "CUDART_INF": "__builtin_inf()", "FLT_MAX": "3.402823466e+38F", "FLT_MIN": "1.175494351e-38F",
    "FLT_EPSILON": "1.192092896e-07F", "DBL_MAX": "1.7976931348623158e+308",
    "DBL_MIN": "2.2250738585072014e-308", "DBL_EPSILON": "2.2204460492503131e-16",
    "INT_MAX": "2147483647", "INT_MIN": "(-2147483647 - 1)", "UINT_MAX": "4294967295U",
    "LLONG_MAX": "9223372036854775807LL", "SHRT_MAX": "32767", "CHAR_BIT": "8",
    "M_PI": "3.14159265358979323846", "M_E": "2.7182818284590452354", "M_SQRT2": "1.41421356237309504880",
    "M_LN2": "0.69314718055994530942", "CUDART_PI_F": "3.141592654f", "M_PI_F": "3.141592654f",
}

_TYPES = """
typedef __SIZE_TYPE__ size_t;
typedef long ptrdiff_t;
typedef signed char int8_t; typedef unsigned char uint8_t;
typedef short int16_t; typedef unsigned short uint16_t;
typedef int int32_t; typedef unsigned int uint32_t;
typedef long long int64_t; typedef unsigned long long uint64_t;
typedef unsigned long uintptr_t; typedef long intptr_t;
typedef unsigned int uint; typedef unsigned short ushort; typedef unsigned char uchar;
typedef unsigned long ulong;
struct __half { unsigned short __x; __host__ __device__ __half() {} template <class A> __host__ __device__ __half(A) {} __host__ __device__ operator float() const; };
struct __nv_bfloat16 { unsigned short __x; __host__ __device__ __nv_bfloat16() {} template <class A> __host__ __device__ __nv_bfloat16(A) {} __host__ __device__ operator float() const; };
typedef __half half; typedef __nv_bfloat16 nv_bfloat16;
struct __half2 { __half x, y; }; typedef __half2 half2;
struct __nv_bfloat162 { __nv_bfloat16 x, y; }; typedef __nv_bfloat162 nv_bfloat162;
struct dim3 { unsigned int x, y, z; __host__ __device__ dim3(unsigned int a = 1, unsigned int b = 1, unsigned int c = 1) : x(a), y(b), z(c) {} };
typedef struct CUstream_st *cudaStream_t;
typedef int cudaError_t;
extern "C" int __cudaPushCallConfiguration(dim3 grid, dim3 block, size_t shmem = 0, cudaStream_t stream = 0);
extern const __device__ uint3 threadIdx;
extern const __device__ uint3 blockIdx;
extern const __device__ dim3 blockDim;
extern const __device__ dim3 gridDim;
extern const __device__ int warpSize;
"""

_VECTOR_BASES = (("char", "signed char"), ("uchar", "unsigned char"), ("short", "short"),
                 ("ushort", "unsigned short"), ("int", "int"), ("uint", "unsigned int"),
                 ("long", "long"), ("ulong", "unsigned long"), ("longlong", "long long"),
                 ("ulonglong", "unsigned long long"), ("float", "float"), ("double", "double"))


def _vector_types() -> str:
    lines = []
    fields = "xyzw"
    for name, base in _VECTOR_BASES:
        for lanes in (1, 2, 3, 4):
            members = ", ".join(fields[:lanes])
            lines.append(f"struct {name}{lanes} {{ {base} {members}; }};")
    return "\n".join(lines)


def _half_operators() -> str:
    """Compound assignment on half types; everything else converts to float (unambiguously)."""
    lines = []
    for name in ("__half", "__nv_bfloat16"):
        for op in "+-*/":
            lines.append(f"__host__ __device__ {name}& operator{op}=({name}&, float);")
    return "\n".join(lines)


_C_NAMES = {"f32": "float", "f64": "double", "i32": "int", "u32": "unsigned int", "i64": "long long",
            "u64": "unsigned long long", "i16": "short", "u16": "unsigned short", "i8": "signed char",
            "u8": "unsigned char", "bool": "bool", "void": "void", "f16": "__half",
            "bf16": "__nv_bfloat16", "f16x2": "__half2", "bf16x2": "__nv_bfloat162"}
_VECTOR_C = {"f32": "float", "f64": "double", "i32": "int", "u32": "uint", "i8": "char", "u8": "uchar",
             "i16": "short", "u16": "ushort", "i64": "longlong", "u64": "ulonglong"}


def _declaration(info: intrinsics.IntrinsicInfo) -> str:
    """A generic declaration of one intrinsic: any arguments, a result type like CUDA's."""
    rule, name = info.result, info.name
    head = "template <class... A> __host__ __device__"
    if rule in _C_NAMES:
        return f"{head} {_C_NAMES[rule]} {name}(A...);"
    if "x" in rule and rule.split("x")[0] in _VECTOR_C:
        elem, lanes = rule.split("x")
        return f"{head} {_VECTOR_C[elem]}{lanes} {name}(A...);"
    if rule == "arg1":
        return f"template <class M, class V, class... A> __host__ __device__ V {name}(M, V, A...);"
    if rule == "pointee0":
        return f"template <class P, class... A> __host__ __device__ P {name}(P*, A...);"
    return f"template <class V, class... A> __host__ __device__ V {name}(V, A...);"


def _intrinsics() -> str:
    lines = []
    math = []
    for name in intrinsics.names():
        if name == "printf" or name.startswith("__builtin"):
            continue
        lines.append(_declaration(intrinsics.lookup(name)))
        if intrinsics.lookup(name).group == intrinsics.MATH and not name.startswith("_"):
            math.append(name)
    lines.append("namespace std { " + " ".join(f"using ::{n};" for n in math) + " }")
    lines.append("extern \"C\" __host__ __device__ int printf(const char*, ...);")
    return "\n".join(lines)


@cache
def prelude_text() -> str:
    macros = "\n".join(f"#define {k} {v}" for k, v in PREDEFINED.items() if k != "__cplusplus")
    attributes = """
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __host__ __attribute__((host))
#define __shared__ __attribute__((shared))
#define __constant__ __attribute__((constant))
#define __managed__ __attribute__((managed))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __restrict__ __restrict
#define __align__(n) __attribute__((aligned(n)))
#define __grid_constant__
"""
    parts = ("#pragma clang system_header", macros, attributes, _vector_types(), _TYPES,
             _half_operators(), _intrinsics())
    return "\n".join(parts) + "\n"
