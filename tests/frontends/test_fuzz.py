"""Property: whatever CUDA-ish text comes in, both frontends return a module (with diagnostics
for what they could not read), and printing and analysing that module raises nothing.

Inputs are the corpora's files mutated (bytes deleted, duplicated, tokens spliced in) and small
kernels generated from a grammar. ``PORTER_FUZZ_EXAMPLES=2000`` runs a longer campaign.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from porter.frontends import clang_ir, ts_ir
from porter.frontends.ir_frontend import build_ir

from porter.ir.module import Module
from porter.ir.printer import print_module
from porter.ir.verifier import verify
from porter.passes.summary import analyze_module
from porter.source import SourceFile
from tests.ir.helpers import corpus_files

EXAMPLES = int(os.environ.get("PORTER_FUZZ_EXAMPLES", "40"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 40,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

TOKENS = ["{", "}", "(", ")", "[", "]", ";", ",", "=", "+=", "++", "--", "<<<", ">>>", "<<", ">>",
          "__syncthreads();", "threadIdx.x", "blockIdx.y", "blockDim.x", "warpSize", "__shared__",
          "extern", "template <typename T>", "template <int N>", "\n#if 0\n", "\n#endif\n", "\n#else\n",
          "\n#define X(a) (a)+\n", "\n#define Y 3\n", "asm(\"\");", '"', "'", "/*", "*/", "//", "\\\n",
          "float4", "__half", "return", "for (", "while (", "do", "if (", "else", "goto L;", "L:",
          "switch (x) {", "case 1:", "0x", "1e", "1.f", "?", ":", "->", ".", "&", "*", "sizeof(",
          "static_cast<", "reinterpret_cast<float4*>(", ">", "<", "__global__", "__device__", "int",
          "x", "n", "a[i]", "é", "\x7f", "__shfl_down_sync(0xffffffff, v, 16)", "atomicAdd(&",
          "__launch_bounds__(", "auto", "[[likely]]", "#pragma unroll\n", "::", "cg::", "this->",
          "new int", "delete", "throw", "try {", "catch (...) {", "[&](int q) { return q; }", "...", "\t"]

SEEDS = [p.read_text(encoding="utf-8") for p in corpus_files()[:60]]


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(SEEDS)) if SEEDS else "__global__ void k() {}"
    for _ in range(draw(st.integers(1, 5))):
        if not text:
            break
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 80)))
        action = draw(st.sampled_from(["delete", "insert", "duplicate", "truncate"]))
        if action == "delete":
            text = text[:start] + text[end:]
        elif action == "insert":
            text = text[:start] + " ".join(draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=4))) + text[start:]
        elif action == "duplicate":
            text = text[:end] + text[start:end] + text[end:]
        else:
            text = text[:end]
    return text


NAMES = st.sampled_from(["i", "n", "v", "tid", "a[i]", "s[tid]", "threadIdx.x", "blockIdx.x", "blockDim.x",
                         "warpSize", "1", "2.5f", "0xffffffff", "-3", "true", "lane"])
BINARY = st.sampled_from(["+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^", "<", ">=", "==", "&&", "||"])
CALLS = st.sampled_from(["sqrtf", "fmaxf", "min", "__shfl_down_sync", "__ballot_sync", "atomicAdd", "__popc",
                         "helper", "unknown_fn", "__float2half", "make_float2"])

expressions = st.recursive(
    NAMES,
    lambda inner: st.one_of(
        st.tuples(inner, BINARY, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
        st.tuples(CALLS, st.lists(inner, max_size=3)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
        inner.map(lambda e: f"a[{e}]"),
        inner.map(lambda e: f"(float)({e})"),
        inner.map(lambda e: f"-{e}"),
    ),
    max_leaves=8,
)

statements = st.recursive(
    st.one_of(
        expressions.map(lambda e: f"v = {e};"),
        expressions.map(lambda e: f"a[i] += {e};"),
        expressions.map(lambda e: f"s[tid] = {e};"),
        expressions.map(lambda e: f"int t{abs(hash(e)) % 7} = {e};"),
        st.just("__syncthreads();"), st.just("i++;"), st.just("break;"), st.just("return;"),
        expressions.map(lambda e: f"atomicAdd(&a[{e}], 1.0f);"),
    ),
    lambda inner: st.one_of(
        st.tuples(expressions, st.lists(inner, max_size=3)).map(lambda t: f"if ({t[0]}) {{ {' '.join(t[1])} }}"),
        st.tuples(expressions, st.lists(inner, max_size=3)).map(
            lambda t: f"for (int k = 0; k < {t[0]}; k <<= 1) {{ {' '.join(t[1])} }}"),
        st.tuples(expressions, st.lists(inner, max_size=2)).map(lambda t: f"while ({t[0]}) {{ {' '.join(t[1])} }}"),
    ),
    max_leaves=6,
)


@st.composite
def generated(draw) -> str:
    body = " ".join(draw(st.lists(statements, min_size=1, max_size=6)))
    return (
        "__device__ float helper(float x) { return x * 2.0f; }\n"
        "__global__ void k(float* a, int n) {\n"
        "  __shared__ float s[128];\n"
        "  int tid = threadIdx.x; int i = blockIdx.x * blockDim.x + tid; int lane = tid & 31; float v = 0;\n"
        f"  {body}\n}}\n"
    )


def exercise(module: Module) -> None:
    assert isinstance(module, Module)
    print_module(module, types=True, spans=True)
    verify(module)
    analyze_module(module)


def check(text: str) -> None:
    source = SourceFile("fuzz.cu", text)
    exercise(ts_ir.build_module(source))
    exercise(clang_ir.build_module(source))
    exercise(build_ir(source))


@SETTINGS
@given(mutated())
def test_mutated_corpus(text):
    check(text)


@SETTINGS
@given(generated())
def test_generated_kernels(text):
    check(text)


@SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_text(text):
    check(text)
