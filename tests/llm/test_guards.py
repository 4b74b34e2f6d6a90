"""The static guards (porter.llm.guards): every bypass of the allow-lists refused with its rule id,
porter's own ports and legitimate rewrites accepted, and the guard never raises on any input.

``test_porter_ports_pass_the_rules_candidates_are_held_to`` translates every golden kernel for
triton, pallas (gpu flavour) and nki once per session (a few seconds; kernels a pass refuses are
skipped), so that the port shown in the prompt never breaks the rules the candidate is held to.
"""

from __future__ import annotations

import importlib
import types

import pytest

from porter.llm import guard_tables
from porter.llm.guards import MAX_SOURCE, check_static

HEADER = "import torch\nimport triton\nimport triton.language as tl\n"
KERNEL = """
@triton.jit
def add_kernel(a_ptr, c_ptr, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    tl.store(c_ptr + offsets, tl.load(a_ptr + offsets, mask=mask), mask=mask)
"""


def triton_module(launcher_body: str, top: str = "", extra: str = "") -> str:
    """A small Triton candidate with ``top`` at module level and ``launcher_body`` in its launcher."""
    body = "\n".join("    " + line for line in launcher_body.strip().splitlines())
    return (f"{HEADER}{top}\n{KERNEL}\n{extra}\n\ndef copy(a, c, n, *, grid, block, shared_bytes=0):\n{body}\n"
            f"    add_kernel[(triton.cdiv(n, 128),)](a, c, n, BLOCK=128)\n\n\nKERNELS = {{'copy': copy}}\n")


# trick -> (candidate, the rule that must reject it)
BYPASSES = {
    "module alias of torch.os": (triton_module("o = torch.os\no.system('true')"), "module-attr"),
    "module alias through two names": (triton_module("t = torch\nu = t\nu.os.system('true')"), "module-attr"),
    "alias of torch.cuda, then patch": (triton_module("cu = torch.cuda\ncu.synchronize = lambda: None"),
                                        "timer-patch"),
    "alias of torch.cuda, then a refused call": (triton_module("cu = torch.cuda\ncu.current_stream()"),
                                                 "library-call"),
    "__builtins__ subscript": (triton_module("__builtins__['exec']('pass')"), "escape"),
    "torch.ctypes": (triton_module("torch.ctypes.CDLL(None)"), "module-attr"),
    "torch.sys.modules": (triton_module("torch.sys.modules['os'].system('true')"), "module-attr"),
    "getattr with a computed name": (triton_module("getattr(torch, 'o' + 's').system('true')"), "escape"),
    "getattr with a constant refused name": (triton_module("getattr(torch, 'os', None)"), "module-attr"),
    "type(x).__subclasses__": (triton_module("type(a).__subclasses__()"), "escape"),
    "a subclass walk without type": (triton_module("a.__class__.__base__.__subclasses__()"), "dunder"),
    "lambda globals": (triton_module("(lambda: 0).__globals__['os']"), "dunder"),
    "class-level counter": (triton_module("Calls.n += 1", top="class Calls:\n    n = 0\n"), "class"),
    "x.__class__.__add__ patched": (triton_module("a.__class__.__add__ = lambda s, o: s"), "monkey-patch"),
    "import importlib": (triton_module("", top="import importlib\n"), "import"),
    "from os import *": (triton_module("", top="from os import *\n"), "import"),
    "__name__ sniffing": (triton_module("if __name__ == '__main__':\n    return"), "dunder"),
    "'__main__' sniffing by string": (triton_module("if a.device.type == '__main__':\n    return"), "dunder"),
    "torch._C dispatch mode": (triton_module("torch._C._set_dispatch_mode(None)"), "module-attr"),
    "torch.utils._python_dispatch": (triton_module("torch.utils._python_dispatch._pop_mode()"), "module-attr"),
    "from torch.utils import _python_dispatch": (triton_module("", top="from torch.utils import _python_dispatch\n"),
                                                 "import"),
    "global counter": (triton_module("global CALLS\nCALLS += 1", top="CALLS = 0\n"), "module-cache"),
    "walrus into module state": (triton_module("", top="SEEN = (first := 1)\n"), "module-cache"),
    "triton.runtime.driver": (triton_module("triton.runtime.driver.active.get_current_stream()"), "module-attr"),
    "triton.testing.do_bench": (triton_module("triton.testing.do_bench(lambda: None)"), "module-attr"),
    "module passed as a value": (triton_module("pick = [torch][0]\npick.os.system('true')"), "module-value"),
    "module alias also a parameter": (triton_module("", extra="def helper(o):\n    return o\n\n\no = torch"),
                                      "module-value"),
    "generator frame globals": (triton_module("g = (i for i in range(1))\ng.gi_frame.f_globals"), "introspection"),
    "private attribute of a value": (triton_module("add_kernel._fn"), "private-attr"),
    "exec shadowed by a local": (triton_module("exec = print\nexec('x')"), "escape"),
    "table as a counter": (triton_module("STATE['calls'] += 1", top="STATE = {'calls': 0}\n"), "module-cache"),
    "memo outside its miss branch": (triton_module("SEEN[n] = c", top="SEEN = {}\n"), "module-cache"),
    "memo with a constant key (first-call probe)": (triton_module("if 'seen' not in SEEN:\n    SEEN['seen'] = 1",
                                                                  top="SEEN = {}\n"), "module-cache"),
    "table mutated by a method": (triton_module("SEEN.update({n: 1})", top="SEEN = {}\n"), "module-cache"),
    "module-level call builds state": (triton_module("", top="STATE = torch.empty(1)\n"), "module-cache"),
    "closure state from a factory": (triton_module("", top="", extra="def make():\n    return copy\n\n\n"
                                                                    "LAUNCH = make()"), "module-cache"),
    "module-level code": (triton_module("", top="for _ in range(3):\n    pass\n"), "module-code"),
    "mutable default argument": (triton_module("", extra="def helper(x, seen=[]):\n    return seen\n"),
                                 "module-cache"),
    "lru_cache on a launcher": (triton_module("", extra="import functools\n\n\n@functools.lru_cache(None)\n"
                                                        "def cached(a, c, n):\n    add_kernel[(1,)](a, c, n, BLOCK=128)\n"),
                                "module-cache"),
    "del of a module name": (triton_module("", extra="def wipe():\n    del torch\n"), "del"),
    "try/except fallback": (triton_module("try:\n    pass\nexcept Exception:\n    pass"), "try-except"),
    "threads": (triton_module("", top="import threading\n"), "thread-or-stream"),
    "async": (triton_module("", extra="async def later():\n    pass\n"), "thread-or-stream"),
    "library call": (triton_module("c.copy_(torch.relu(a))"), "library-call"),
    "gpu probing": (triton_module("gpu = torch.cuda.is_available()"), "library-call"),
    "inline assembly in the kernel": (triton_module("tl.inline_asm_elementwise('mov', '', [a], dtype=tl.int32, "
                                                    "is_pure=True, pack=1)"), "module-attr"),
    "tl.extra host helpers": (triton_module("tl.extra.pkgutil"), "module-attr"),
    "relative import": (triton_module("", top="from . import x\n"), "import"),
}


@pytest.mark.parametrize("trick", BYPASSES)
def test_bypass_is_rejected_with_its_rule(trick):
    source, rule = BYPASSES[trick]
    result = check_static(source, "triton")
    assert not result.ok
    assert rule in {f.rule for f in result.rejections}, [str(f) for f in result.rejections]


def test_the_bypass_candidates_are_otherwise_legitimate():
    """The frame every bypass sits in passes: each rejection is the trick's, not the frame's."""
    result = check_static(triton_module(""), "triton")
    assert result.ok, [str(f) for f in result.rejections]


PALLAS_BYPASSES = {
    "jax.config flags": ("jax.config.update('jax_enable_x64', True)", "module-attr"),
    "numpy I/O": ("np.load('/tmp/golden.npz')", "library-call"),
    "jax private": ("jax._src.config", "module-attr"),
}


@pytest.mark.parametrize("trick", PALLAS_BYPASSES)
def test_pallas_bypass_is_rejected(trick):
    statement, rule = PALLAS_BYPASSES[trick]
    source = ("import numpy as np\nimport jax\nimport jax.numpy as jnp\nfrom jax.experimental import pallas as pl\n\n\n"
              "def launch(x, *, grid, block, shared_bytes=0):\n"
              f"    {statement}\n"
              "    return pl.pallas_call(lambda r, o: None, out_shape=x)(x)\n\n\nKERNELS = {'launch': launch}\n")
    result = check_static(source, "pallas")
    assert rule in {f.rule for f in result.rejections}, [str(f) for f in result.rejections]


def test_nki_porter_model_probe_is_the_only_dunder_allowed():
    base = "import nki\nimport numpy as np\n\n\n@nki.jit\ndef k(x):\n    return x\n\n\nKERNELS = {}\n"
    probe = "\n\ndef probe():\n    return getattr(nki, {!r}, False)\n"
    assert check_static(base + probe.format("__porter_model__"), "nki").ok
    refused = check_static(base + probe.format("__file__"), "nki")
    assert {"dunder"} <= {f.rule for f in refused.rejections}
    assert "library-call" in {f.rule for f in check_static(base.replace("return x", "return np.matmul(x, x)"),
                                                           "nki").rejections}


# -- robustness: the guard never raises --------------------------------------------------------------
NASTY = {
    "5,000-deep unary": "x = " + "-" * 5000 + "1\n",
    "5,000-deep parentheses": "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
    "100,000-term sum": "x = " + "+".join(["1"] * 100_000) + "\n",
    "100,000-long attribute chain": "x = a" + ".b" * 100_000 + "\n",
    "deep lists": "x = " + "[" * 3000 + "]" * 3000 + "\n",
    "deep calls": "x = f" + "()" * 50_000 + "\n",
}


@pytest.mark.parametrize("case", NASTY)
def test_deep_input_is_a_rejection_not_a_crash(case):
    result = check_static(NASTY[case], "triton")
    assert [f.rule for f in result.rejections] == ["depth"]
    assert "nested too deeply" in result.rejections[0].message


@pytest.mark.parametrize("source, rule", [
    ("x = '\ud800'\n", "source"),
    ("x = 1\x00\n", "source"),
    ("#" * (MAX_SOURCE + 1), "source"),
    (b"import torch", "source"),
    ("def (:\n", "syntax"),
])
def test_bad_text_is_a_rejection(source, rule):
    result = check_static(source, "triton")
    assert [f.rule for f in result.rejections] == [rule]
    if rule == "source":
        assert [f.rule for f in check_static(source, "hip").rejections] == [rule]


# -- legitimate code -------------------------------------------------------------------------------
AUTOTUNED = """import triton
import triton.language as tl

CONFIGS = [triton.Config({"BLOCK": 128}, num_warps=4), triton.Config({"BLOCK": 1024}, num_warps=8)]


@triton.autotune(configs=CONFIGS, key=["n"])
@triton.jit
def add_kernel(a_ptr, b_ptr, c_ptr, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    mask = offsets < n
    tl.store(c_ptr + offsets, tl.load(a_ptr + offsets, mask=mask) + tl.load(b_ptr + offsets, mask=mask), mask=mask)


@triton.autotune(configs=[triton.Config({"BLOCK": 256}), triton.Config({"BLOCK": 512})], key=["n"])
@triton.jit
def scale_kernel(x_ptr, n, BLOCK: tl.constexpr):
    offsets = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    tl.store(x_ptr + offsets, tl.load(x_ptr + offsets, mask=offsets < n) * 2, mask=offsets < n)


def vector_add(a, b, c, n, *, grid, block, shared_bytes=0):
    add_kernel[lambda meta: (triton.cdiv(n, meta["BLOCK"]),)](a, b, c, n)


KERNELS = {"vector_add": vector_add}
"""


def test_autotuned_rewrite_passes():
    result = check_static(AUTOTUNED, "triton")
    assert result.ok, [str(f) for f in result.rejections]


def test_rewrites_and_stand_in_ports_pass():
    from tests.llm.conftest import HERE  # noqa: PLC0415 -- only for the file locations

    files = sorted((HERE / "rewrites").glob("*.py")) + sorted((HERE / "ports").glob("*.py"))
    assert len(files) >= 9
    for path in files:
        code = path.read_text()
        target = "pallas" if "pallas_call" in code else "triton"
        result = check_static(code, target)
        assert result.ok, (path.name, target, [str(f) for f in result.rejections])


@pytest.fixture(scope="session")
def porter_ports():
    """target -> {kernel: code} of porter's own ports of every golden kernel (refused ones left out)."""
    import porter  # noqa: PLC0415
    from porter.golden import corpus_dir  # noqa: PLC0415

    kernels = sorted(corpus_dir().glob("*.cu"))
    ports: dict[str, dict[str, str]] = {}
    for target, options in (("triton", {}), ("pallas", {"flavor": "gpu"}), ("nki", {})):
        made = {}
        for path in kernels:
            result = porter.translate(path, target, **options)
            if result.ok and result.code:
                made[path.stem] = result.code
        ports[target] = made
    return ports


@pytest.mark.parametrize("target", ["triton", "pallas", "nki"])
def test_porter_ports_pass_the_rules_candidates_are_held_to(target, porter_ports):
    ports = porter_ports[target]
    assert len(ports) >= 30, f"only {len(ports)} {target} ports"
    failures = {}
    for kernel, code in ports.items():
        result = check_static(code, target, buffer_dtypes=frozenset({"float32"}))
        if not result.ok:
            failures[kernel] = [str(f) for f in result.rejections]
    assert not failures, failures


def test_porter_port_bent_into_a_cheat_is_refused(porter_ports):
    """The allowances are narrow: the port's own memo, used as a call counter, is refused."""
    code = porter_ports["triton"]["saxpy"]
    assert check_static(code, "triton").ok
    cheat = code.replace("    _dev = _device(x, y)\n", "    _dev = _device(x, y)\n    _RESIDENT['calls'] = 1\n")
    assert cheat != code
    assert "module-cache" in {f.rule for f in check_static(cheat, "triton").rejections}


# -- the tables ------------------------------------------------------------------------------------
@pytest.mark.parametrize("target", sorted(guard_tables.MODULES))
def test_public_allow_lists_reach_no_module_but_the_listed_ones(target):
    """An entry that allows every public name must not open a module it does not list (checked on the
    installed library, so a new version that adds one fails here)."""
    for name, rules in guard_tables.MODULES[target].items():
        if rules.attrs != guard_tables.PUBLIC:
            continue
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        opened = [a for a in dir(module) if rules.allows(a) and a not in rules.submodules and
                  isinstance(getattr(module, a, None), types.ModuleType)]
        assert not opened, (name, opened)


def test_hip_rules():
    ok = "#include <hip/hip_runtime.h>\n__global__ void k(float* x) { x[threadIdx.x] = 1.0f; }\n"
    assert check_static(ok, "hip").ok
    for line, rule in [("#include <cstdlib>", "import"), ('asm volatile("s_nop 0");', "asm"),
                       ('system("true");', "escape"), ('FILE* f = fopen("/etc/passwd", "r");', "escape"),
                       ('void* h = dlopen("libc.so.6", 1);', "escape"),
                       ("hipMemcpy(h, d, 4, hipMemcpyDeviceToHost);", "host-compute")]:
        result = check_static(ok + line + "\n", "hip")
        assert rule in {f.rule for f in result.rejections}, (line, [str(f) for f in result.rejections])
