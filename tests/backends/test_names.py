"""Names from the input in the tile backends' generated Python (:mod:`porter.backends.names`):
file names that try to inject code, kernel and parameter names that are Python keywords, the
module's own names, Unicode or colliding; the compile gate; constant division by zero; an NKI
``if`` whose body is only a barrier. Every emitted module is imported (Triton under
TRITON_INTERPRET=1 in a child process, Pallas in the jax interpreter, NKI under porter's model)."""

import importlib.util

import numpy as np
import pytest

import porter
from porter.backends import names
from porter.backends.nki.model import model_installed
from porter.backends.tile import finish_module
from porter.result import TranslationResult
from porter.source import SourceFile
from tests.backends.triton.interpret import run_interpreted

TARGETS = [("triton", {}), ("pallas", {"flavor": "gpu"}), ("pallas", {"flavor": "tpu"}), ("nki", {})]
IDS = ["triton", "pallas-gpu", "pallas-tpu", "nki"]

SAXPY = """__global__ void saxpy(float a, const float* x, float* y, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] = a * x[i] + y[i];
}
"""

#: Python keywords, the modules' imports, the launchers' own parameters and a Unicode name as
#: parameter names; a kernel named after an import; template and plain kernels whose symbols
#: collide (k<1> and k_1, f and f_, a kernel and another's jit function f_kernel)
HOSTILE = """__global__ void torch(float* pass, const float* lambda, float tl, int block, int grid, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    float caf\u00e9 = tl;
    if (i < n) pass[i] = lambda[i] * caf\u00e9 + block + grid;
}
template <int N> __global__ void k(float* x) { x[threadIdx.x] = N; }
__global__ void k_1(float* x) { x[threadIdx.x] = 2.0f; }
__global__ void f(float* x) { x[threadIdx.x] = 3.0f; }
__global__ void f_(float* x) { x[threadIdx.x] = 4.0f; }
__global__ void f_kernel(float* x) { x[threadIdx.x] = 5.0f; }
__global__ void jnp(float* x) { x[threadIdx.x] = 6.0f; }
__global__ void nl(float* x) { x[threadIdx.x] = 7.0f; }
void host(float* x) { k<1><<<1, 4>>>(x); }
"""
#: what each kernel of HOSTILE writes to x[0..3] (torch: pass = lambda * tl + block + grid)
HOSTILE_VALUES = {"k<1>": 1.0, "k_1": 2.0, "f": 3.0, "f_": 4.0, "f_kernel": 5.0, "jnp": 6.0, "nl": 7.0}

INJECTED = 'x"""\nimport os; os.system("touch MARKER")\n""".cu'


def _translate(text: str, name: str, target: str, options: dict, **more):
    return porter.translate(SourceFile(name, text), target, **options, **more)


def _import(code: str, path, target: str):
    """The module ``code`` imported from ``path`` (NKI under porter's model)."""
    path.write_text(code)
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    if target == "nki":
        with model_installed(force=True):
            spec.loader.exec_module(module)
    else:
        spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------------- the rules
def test_text_keeps_plain_names_and_escapes_everything_else():
    assert names.text("saxpy.cu") == "saxpy.cu"
    escaped = names.text(INJECTED)
    assert "\n" not in escaped and '"' not in escaped and "'" not in escaped
    assert eval(f'"""{escaped}"""') == INJECTED  # inside a docstring it reads back as the name
    assert names.text("caf\u00e9\u2028\\") == "caf\\xe9\\u2028\\x5c"


def test_kernel_symbols_are_distinct_safe_and_stable():
    kernels = ["k<1>", "k_1", "f", "f_", "pass", "torch", "reduce_sum<256>", "caf\u00e9", "_", "1x", "print"]
    symbols = names.kernel_symbols(kernels, {"torch"}, ("{}", "{}_kernel"))
    assert symbols == {"k<1>": "k_1", "k_1": "k_1_2", "f": "f", "f_": "f_2", "pass": "pass_", "torch": "torch_",
                       "reduce_sum<256>": "reduce_sum_256", "caf\u00e9": "caf_u00e9", "_": "k", "1x": "k1x",
                       "print": "print_"}
    assert all(s.isidentifier() and s.isascii() for s in symbols.values())
    assert names.kernel_symbols(kernels, {"torch"}, ("{}", "{}_kernel")) == symbols


def test_names_of_a_scope_are_distinct_and_keep_plain_names():
    table = names.Names({"tl"}, {"act": "_act"})
    assert table.claim("x", ("{}_ref",)) == "x"
    got = [table(n) for n in ("pass", "pass_", "tl", "tl_", "caf\u00e9", "_a", "x_ref", "act", "y")]
    assert got == ["pass_", "pass__", "tl_", "tl__", "caf_u00e9_", "_a_", "x_ref_2", "_act", "y"]
    assert table("pass") == "pass_"  # stable within the scope


# ------------------------------------------------------------------------------ the emitted code
@pytest.mark.parametrize("target, options", TARGETS, ids=IDS)
def test_a_file_name_never_changes_what_the_module_does(target, options, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _translate(SAXPY, INJECTED, target, options)
    assert not result.errors, result.errors
    assert names.text(INJECTED) in result.code  # the docstring and comments still name the file
    if target == "triton":  # @triton.jit needs a file; the interpreter imports it in a child
        run_interpreted(tmp_path, result.code, "print(sorted(m.KERNELS))")
    else:
        module = _import(result.code, tmp_path / "port_injected.py", target)
        assert "port of x" in module.__doc__ and 'os.system("touch MARKER")' in module.__doc__
        assert sorted(module.KERNELS) == ["saxpy"]
    assert not (tmp_path / "MARKER").exists()


@pytest.mark.parametrize("target, options", TARGETS, ids=IDS)
def test_keyword_unicode_shadowing_and_colliding_names_get_distinct_safe_names(target, options, tmp_path):
    result = _translate(HOSTILE, "hostile.cu", target, options, instantiate=("k<1>",))
    assert not result.errors, result.errors
    compile(result.code, "hostile.py", "exec")
    assert result.code.isascii()
    script = """
import numpy as np
out = {{}}
for name in {kernels!r}:
    x = np.zeros(4, np.float32)
    got = m.KERNELS[name](x, grid=(1, 1, 1), block=(4, 1, 1))
    out[name] = float((got[0] if {functional} else x)[0])
print(out)
"""
    if target == "triton":
        run = run_interpreted(tmp_path, result.code, script.replace("np.zeros(4, np.float32)", "torch.zeros(4)"),
                              kernels=list(HOSTILE_VALUES), functional=False)
        assert eval(run) == HOSTILE_VALUES
        return
    module = _import(result.code, tmp_path / "port_hostile.py", target)
    if target == "pallas":
        module.INTERPRET = True
    assert set(module.KERNELS) == {"torch", *HOSTILE_VALUES}  # looked up by CUDA name
    assert len({id(f) for f in module.KERNELS.values()}) == len(module.KERNELS)
    for kernel, value in HOSTILE_VALUES.items():
        x = np.zeros(4, np.float32)
        got = _run(lambda: module.KERNELS[kernel](x, grid=(1, 1, 1), block=(4, 1, 1)), target)
        assert np.asarray(got[0])[0] == value, kernel
    x, lam = np.zeros(8, np.float32), np.arange(8, dtype=np.float32)
    got = _run(lambda: module.KERNELS["torch"](x, lam, np.float32(2.0), 3, 4, 8, grid=(2, 1, 1), block=(4, 1, 1)),
               target)
    np.testing.assert_array_equal(np.asarray(got[0]), lam * 2 + 7)


def _run(call, target):
    if target == "nki":
        with model_installed(force=True):
            return call()
    return call()


def test_a_module_that_does_not_compile_is_an_internal_error_not_code():
    result = TranslationResult(SourceFile("k.cu", SAXPY), "triton", "")
    finish_module(result, "def k(:\n    pass\n")
    assert result.code == ""
    assert [d.id for d in result.errors] == ["P0016"] and "line 1" in result.errors[0].message
    assert finish_module(TranslationResult(SourceFile("k.cu", SAXPY), "nki", ""), "x = 1\n").code == "x = 1\n"


# ----------------------------------------------------------------------------- division by zero
DIV0 = """__global__ void k(float* out, int n) {
    int i = threadIdx.x;
    if (i < n) {
        out[i] = 0.0f / 0.0f;
        out[i + n] = 1.0f / 0.0f;
        out[i + 2 * n] = -1.0f / 0.0f;
        out[i + 3 * n] = 2.0f / -0.0f;
    }
}
"""


@pytest.mark.parametrize("target, options", TARGETS, ids=IDS)
def test_constant_float_division_by_zero_is_nan_or_signed_infinity(target, options, tmp_path):
    result = _translate(DIV0, "div0.cu", target, options)
    assert not result.errors, result.errors
    want = [np.nan, np.inf, -np.inf, -np.inf]
    if target == "triton":
        run = run_interpreted(tmp_path, result.code, "x = torch.zeros(4)\nm.KERNELS['k'](x, 1, grid=(1,), block=(1,))\n"
                                                     "print(x.tolist())")
        np.testing.assert_array_equal(eval(run.replace("nan", "float('nan')").replace("inf", "float('inf')")), want)
        return
    module = _import(result.code, tmp_path / "port_div0.py", target)
    if target == "pallas":
        module.INTERPRET = True
    got = _run(lambda: module.KERNELS["k"](np.zeros(4, np.float32), 1, grid=(1, 1, 1), block=(1, 1, 1)), target)
    np.testing.assert_array_equal(np.asarray(got[0]), want)


@pytest.mark.parametrize("target, options", TARGETS, ids=IDS)
@pytest.mark.parametrize("expression", ["1 / 0", "n % 0", "n / 0"])
def test_integer_division_by_a_constant_zero_is_refused(target, options, expression):
    source = f"__global__ void k(int* out, int n) {{ out[threadIdx.x] = {expression}; }}\n"
    result = _translate(source, "idiv0.cu", target, options)
    assert [d.id for d in result.errors] == ["P0017"]
    assert "def k(" not in result.code  # the kernel is left out, the module still compiles
    compile(result.code, "idiv0.py", "exec")


# ------------------------------------------------------------------------------ NKI empty bodies
def test_nki_if_whose_body_is_only_a_barrier_gets_pass(tmp_path):
    source = """__global__ void k(float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (n > 4) { __syncthreads(); }
    if (n > 5) { } else { __syncthreads(); }
    if (i < n) out[i] = 1.0f;
}
"""
    result = _translate(source, "empty_if.cu", "nki", {})
    assert not result.errors, result.errors
    module = _import(result.code, tmp_path / "port_empty_if.py", "nki")
    got = _run(lambda: module.KERNELS["k"](np.zeros(8, np.float32), 6, grid=(1, 1, 1), block=(8, 1, 1)), "nki")
    np.testing.assert_array_equal(got[0], [1, 1, 1, 1, 1, 1, 0, 0])
