"""Static guards: per-target rules a candidate must pass before anything of it runs.

Each rule has an id (reported as ``static:<id>``) and catches one trick of
``notes/llm-validation.md``: fallbacks through try/except, library calls instead of a kernel,
threads and streams, module-level caches, timer patching, escapes from the harness (imports
outside an allow-list, ``exec``, ``__import__``). Precision-lowering casts are *flags*: they do
not reject on their own (the per-dtype tolerances of the golden check decide), but the report
shows them. Python targets are checked on the AST; HIP on the text.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    line: int = 0

    def __str__(self) -> str:
        return f"line {self.line}: [{self.rule}] {self.message}" if self.line else f"[{self.rule}] {self.message}"


@dataclass
class GuardResult:
    rejections: list[Finding] = field(default_factory=list)
    flags: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejections


@dataclass(frozen=True)
class PythonRules:
    """The per-target part of the Python guards: tables, not code."""

    marker: str  # a decorator or call that must appear, e.g. "triton.jit"
    allowed_imports: frozenset[str]
    kernel_decorators: frozenset[str]  # decorators that make a function "the kernel"
    framework_modules: frozenset[str]  # whose compute calls are banned (in kernels and launchers)
    framework_allowed: frozenset[str]  # attributes of them that only allocate or describe
    kernel_banned: frozenset[str] = frozenset()  # extra dotted calls banned inside kernels
    low_precision: frozenset[str] = frozenset({"float16", "bfloat16", "float8e4nv", "float8e5", "float8e4b15",
                                               "float8_e4m3fn", "float8_e5m2", "tf32"})


THREAD_MODULES = {"threading", "_thread", "multiprocessing", "concurrent", "asyncio", "subprocess", "signal"}
TIMER_MODULES = {"time", "timeit"}
TIMER_NAMES = {"perf_counter", "perf_counter_ns", "monotonic", "time", "Event", "elapsed_time", "synchronize",
               "do_bench", "do_bench_cudagraph", "Timer"}
STREAM_CALLS = {"Stream", "stream", "ExternalStream", "set_stream", "CUDAGraph", "graph"}
ESCAPES = {"exec", "eval", "compile", "__import__", "globals", "locals", "vars", "setattr", "delattr", "getattr",
           "open", "breakpoint", "input"}
CACHE_DECORATORS = {"lru_cache", "cache", "cached_property", "memoize"}
MUTABLE_CALLS = {"dict", "list", "set", "defaultdict", "OrderedDict", "Counter", "deque", "WeakValueDictionary",
                 "WeakKeyDictionary"}
MODULE_DICT_ALLOWED = {"KERNELS"}  # the contract's one module-level table

TRITON = PythonRules(
    marker="triton.jit",
    allowed_imports=frozenset({"triton", "triton.language", "torch", "math", "__future__", "typing"}),
    kernel_decorators=frozenset({"triton.jit", "jit", "triton.autotune", "autotune", "triton.heuristics"}),
    framework_modules=frozenset({"torch", "torch.nn.functional", "F", "np", "numpy", "torch.ops", "torch.linalg",
                                 "torch.fft", "torch.nn", "torch.special", "torch.cuda"}),
    framework_allowed=frozenset({"empty", "empty_like", "empty_strided", "zeros", "zeros_like", "float32",
                                 "float16", "bfloat16", "float64", "int32", "int64", "int8", "uint8", "int16",
                                 "bool", "device", "dtype", "Size", "Tensor", "is_available"}),
)
PALLAS = PythonRules(
    marker="pl.pallas_call",
    allowed_imports=frozenset({"jax", "jax.numpy", "jax.experimental", "jax.experimental.pallas",
                               "jax.experimental.pallas.tpu", "jax.experimental.pallas.triton", "functools", "math",
                               "__future__", "typing", "numpy"}),
    kernel_decorators=frozenset(),
    framework_modules=frozenset({"np", "numpy", "jax.lax.linalg", "jax.nn", "jax.scipy"}),
    framework_allowed=frozenset({"float32", "float16", "bfloat16", "int32", "dtype", "prod"}),
)
NKI = PythonRules(
    marker="nki.jit",
    allowed_imports=frozenset({"neuronxcc", "neuronxcc.nki", "neuronxcc.nki.language", "neuronxcc.nki.isa", "nki",
                               "nki.language", "nki.isa", "numpy", "math", "__future__", "typing"}),
    kernel_decorators=frozenset({"nki.jit", "jit"}),
    framework_modules=frozenset({"np", "numpy", "torch"}),
    framework_allowed=frozenset({"float32", "float16", "bfloat16", "int32", "dtype", "prod", "ndarray"}),
)
PYTHON_RULES = {"triton": TRITON, "pallas": PALLAS, "nki": NKI}


def dotted(node: ast.AST) -> str:
    """``a.b.c`` for a Name/Attribute chain, else ''."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def check_static(source: str, target: str, *, buffer_dtypes: frozenset[str] = frozenset({"float32"})) -> GuardResult:
    if target == "hip":
        return check_hip(source)
    rules = PYTHON_RULES.get(target)
    if rules is None:
        raise ValueError(f"no static rules for target {target!r}")
    result = GuardResult()
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        result.rejections.append(Finding("syntax", f"{error.msg}", error.lineno or 0))
        return result
    _PythonGuard(rules, result, buffer_dtypes).visit_module(tree)
    return result


class _PythonGuard(ast.NodeVisitor):
    def __init__(self, rules: PythonRules, result: GuardResult, buffer_dtypes: frozenset[str]):
        self.rules = rules
        self.result = result
        self.high_precision = not (buffer_dtypes & {"float16", "bfloat16"})
        self.aliases: dict[str, str] = {}  # local name -> module it stands for
        self.in_kernel = 0
        self.marker_seen = False

    def reject(self, rule: str, message: str, node: ast.AST | None = None) -> None:
        self.result.rejections.append(Finding(rule, message, getattr(node, "lineno", 0)))

    def flag(self, rule: str, message: str, node: ast.AST | None = None) -> None:
        self.result.flags.append(Finding(rule, message, getattr(node, "lineno", 0)))

    def visit_module(self, tree: ast.Module) -> None:
        for statement in tree.body:
            self._module_level(statement)
        self.visit(tree)
        if not self.marker_seen:
            self.reject("marker", f"no `{self.rules.marker}`: the candidate must define the kernel itself")

    # -- module level: caches and monkey-patching ------------------------------------------
    def _module_level(self, node: ast.stmt) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, (ast.AnnAssign, ast.AugAssign)) else []
        value = getattr(node, "value", None)
        for target in targets:
            name = dotted(target)
            if isinstance(target, ast.Attribute):
                self._patch(target, node)
            elif name not in MODULE_DICT_ALLOWED and value is not None and _is_mutable(value):
                self.reject("module-cache", f"module-level mutable `{name}`: candidates keep no state between calls",
                            node)

    def _patch(self, target: ast.Attribute, node: ast.AST) -> None:
        name = dotted(target) or ast.unparse(target)
        root = name.split(".")[0]
        if target.attr in TIMER_NAMES or root in TIMER_MODULES:
            self.reject("timer-patch", f"assigns `{name}`: the clock belongs to the harness", node)
        else:
            self.reject("monkey-patch", f"assigns `{name}` outside the candidate's own names", node)

    # -- imports -------------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._import(alias.name, node)
            self.aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                alias.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self._import(module, node)
        for alias in node.names:
            self._import(f"{module}.{alias.name}", node, submodule=True)
            self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"

    def _import(self, module: str, node: ast.AST, submodule: bool = False) -> None:
        root = module.split(".")[0]
        if root in THREAD_MODULES:
            self.reject("thread-or-stream", f"imports `{module}`: no threads, processes or async work", node)
        elif root in TIMER_MODULES:
            self.reject("timer-patch", f"imports `{module}`: the clock belongs to the harness", node)
        elif not submodule and module not in self.rules.allowed_imports:
            self.reject("import", f"imports `{module}`, outside the allowed "
                        f"{', '.join(sorted(self.rules.allowed_imports))}", node)

    # -- control flow and state ----------------------------------------------------------------
    def visit_Try(self, node: ast.AST) -> None:
        self.reject("try-except", "try/except: a candidate may not fall back to other code when its kernel fails",
                    node)
        self.generic_visit(node)

    visit_TryStar = visit_Try

    def visit_Global(self, node: ast.AST) -> None:
        self.reject("module-cache", "`global`/`nonlocal` state: candidates keep no state between calls", node)

    visit_Nonlocal = visit_Global

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        decorators = [dotted(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list]
        is_kernel = any(d in self.rules.kernel_decorators for d in decorators)
        if self.rules.marker in decorators or any(d.endswith(self.rules.marker.split(".")[-1]) and
                                                   self.rules.marker.split(".")[-1] == "jit" for d in decorators):
            self.marker_seen = True
        for d in decorators:
            if d.split(".")[-1] in CACHE_DECORATORS:
                self.reject("module-cache", f"@{d}: no memoized results", node)
        for default in node.args.defaults + node.args.kw_defaults:
            if default is not None and _is_mutable(default):
                self.reject("module-cache", f"mutable default argument in `{node.name}`", node)
        self.in_kernel += is_kernel
        self.generic_visit(node)
        self.in_kernel -= is_kernel

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Attribute) and dotted(target).split(".")[0] in self.aliases:
                self._patch(target, node)
        self.generic_visit(node)

    # -- calls ---------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        name = self._resolve(dotted(node.func))
        if not name and isinstance(node.func, ast.Attribute):
            name = "." + node.func.attr  # a method of some expression: `x.to(...)`
        last = name.split(".")[-1]
        if name == self.rules.marker or name.endswith("." + self.rules.marker.split(".")[-1]) and \
                self.rules.marker.startswith(name.split(".")[0]):
            self.marker_seen = True
        if name in ESCAPES:
            self.reject("escape", f"`{name}()`: candidates may not reach around the harness", node)
        elif last in STREAM_CALLS and name.startswith(("torch.cuda", "torch")):
            self.reject("thread-or-stream", f"`{name}()`: no streams; the harness times the default stream", node)
        elif name.split(".")[0] in TIMER_MODULES or (name.startswith("torch.cuda") and last in TIMER_NAMES):
            self.reject("timer-patch", f"`{name}()`: the clock belongs to the harness", node)
        elif self._framework(name):
            self.reject("library-call", f"`{name}()`: compute in the kernel, not in a framework or library op",
                        node)
        elif self.in_kernel and name in self.rules.kernel_banned:
            self.reject("library-call", f"`{name}()` inside the kernel", node)
        self._precision(node, name)
        self.generic_visit(node)

    def _resolve(self, name: str) -> str:
        root, _, rest = name.partition(".")
        module = self.aliases.get(root)
        if module is None:
            return name
        return f"{module}.{rest}" if rest else module

    def _framework(self, name: str) -> bool:
        module, _, attr = name.rpartition(".")
        if not module:
            return False
        for framework in self.rules.framework_modules:
            if module == framework or module.startswith(framework + "."):
                return attr not in self.rules.framework_allowed
        return False

    def _precision(self, node: ast.Call, name: str) -> None:
        if not self.high_precision:
            return
        texts = [dotted(a) for a in node.args] + [dotted(k.value) for k in node.keywords]
        texts += [k.value.value for k in node.keywords if isinstance(k.value, ast.Constant) and
                  isinstance(k.value.value, str)]
        texts += [k.arg + "=True" for k in node.keywords if k.arg == "allow_tf32" and
                  isinstance(k.value, ast.Constant) and k.value.value is True]
        lowered = [t for t in texts if t and (t.split(".")[-1] in self.rules.low_precision or t == "allow_tf32=True")]
        if lowered:
            self.flag("precision-cast", f"`{name}(... {lowered[0]} ...)` lowers the precision of float32 data",
                      node)


def _is_mutable(node: ast.AST) -> bool:
    if isinstance(node, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)):
        return True
    return isinstance(node, ast.Call) and dotted(node.func).split(".")[-1] in MUTABLE_CALLS


# -- HIP: the candidate is C++ text ------------------------------------------------------------
HIP_RULES: tuple[tuple[str, re.Pattern, str], ...] = (
    ("try-except", re.compile(r"\btry\s*\{"), "try/catch: no fallback around the kernel"),
    ("library-call", re.compile(r"\b(cublas|hipblas|rocblas|cudnn|miopen|hipdnn|thrust::|cub::|hipcub::|rocprim::)"),
     "library call instead of a kernel"),
    ("thread-or-stream", re.compile(r"\b(std::thread|pthread_create|std::async|hipStreamCreate\w*|"
                                    r"cudaStreamCreate\w*|hipGraph\w*)"), "no threads or streams"),
    ("timer-patch", re.compile(r"\b(hipEvent\w*|cudaEvent\w*|clock_gettime|std::chrono|gettimeofday)"),
     "the clock belongs to the harness"),
    ("module-cache", re.compile(r"^\s*static\s+(?!__device__|__global__|inline|const|constexpr)", re.MULTILINE),
     "no static state between launches"),
)


def check_hip(source: str) -> GuardResult:
    result = GuardResult()
    code = re.sub(r"//[^\n]*|/\*.*?\*/", "", source, flags=re.DOTALL)
    if "__global__" not in code:
        result.rejections.append(Finding("marker", "no `__global__` kernel"))
    for rule, pattern, message in HIP_RULES:
        match = pattern.search(code)
        if match:
            line = code.count("\n", 0, match.start()) + 1
            result.rejections.append(Finding(rule, f"`{match.group(0).strip()}`: {message}", line))
    for match in re.finditer(r"\(\s*(half|__half|_Float16|__hip_bfloat16|__nv_bfloat16)\s*\)|__float2half\w*", code):
        result.flags.append(Finding("precision-cast", f"`{match.group(0)}` lowers precision",
                                    code.count("\n", 0, match.start()) + 1))
    return result
