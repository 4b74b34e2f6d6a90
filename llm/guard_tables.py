"""The allow-lists of the static guards (:mod:`porter.llm.guards`), per target: data, not code.

A candidate module may import only the modules named here, and may reach only the attributes
listed for each module, however it spells the reference (an import alias, a name assigned from a
module, ``from m import x``, ``getattr(m, "x", d)``). An entry of :class:`Module` says which
attributes of that module are allowed: a set of names, or :data:`PUBLIC` (every name without a
leading underscore, less ``exclude``); ``submodules`` are the attributes that are modules
themselves (their own entry, ``"<module>.<attribute>"``, rules what lies beyond them).
``framework`` modules compute: reaching an unlisted attribute of one is a ``library-call``.

Allowances for porter's own ports (the port shown in the prompt must pass the rules the candidate
is held to), each kept as narrow as the port allows:

* triton: ``functools.lru_cache`` / ``functools.cache`` on a launch plan (a function whose closure
  touches no module but ``math`` and launches no kernel; see ``guards._plan_function``), and
  ``torch.cuda.get_device_properties`` (the port sizes warps by the device);
* pallas: ``from jax._src.state.primitives import ref_addupdate`` (the integer atomic add), inside
  the import-fallback ``try`` shape (``guards._import_fallback``);
* nki: ``porter.backends.nki.model``'s ``install_model``, ``hbm_input`` and ``run_kernel`` (porter's
  executable model of NKI stands in for AWS's), ``getattr(nki, "__porter_model__", False)`` (which
  of the two runs), numpy for lane-static index arithmetic (the functions listed, no reductions,
  linear algebra or I/O);
* every target: module-level tables (dict/list/set literals) read only as ``T[key]`` or ``key in
  T``, and memo tables written only as ``T[key] = value`` under ``if key not in T:``.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass

PUBLIC = "*"


@dataclass(frozen=True)
class Module:
    attrs: frozenset[str] | str
    submodules: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    framework: bool = False

    def allows(self, attr: str) -> bool:
        if attr in self.submodules:
            return True
        if self.attrs == PUBLIC:
            return not attr.startswith("_") and attr not in self.exclude
        return attr in self.attrs


def names(text: str) -> frozenset[str]:
    return frozenset(text.split())


DTYPES = names("float16 float32 float64 bfloat16 int8 int16 int32 int64 uint8 uint16 uint32 uint64 bool")

# -- shared ------------------------------------------------------------------------------------
COMMON = {
    "__future__": Module(names("annotations")),
    "math": Module(PUBLIC),  # functions and constants only (tests check: no module-valued attribute)
    "typing": Module(names("Any Callable Dict Iterable List Optional Sequence Tuple Union")),
    "functools": Module(names("partial")),
}

# -- triton ------------------------------------------------------------------------------------
TRITON_MODULES = {
    **COMMON,
    "functools": Module(names("partial lru_cache cache")),  # the caches only on a launch plan
    "triton": Module(names("jit autotune Config heuristics cdiv next_power_of_2"), submodules=names("language")),
    # every public name of triton.language but its modules (core, extra, math, random, standard,
    # target_info: host code behind them) and inline assembly; extra.libdevice (pure math) by path
    "triton.language": Module(PUBLIC, submodules=names("extra"),
                              exclude=names("core math random standard target_info semantic inline_asm_elementwise "
                                            "TRITON_MAX_TENSOR_NUMEL")),
    "triton.language.extra": Module(frozenset(), submodules=names("libdevice")),
    "triton.language.extra.libdevice": Module(PUBLIC),
    "torch": Module(DTYPES | names("Tensor Size device dtype empty empty_like empty_strided zeros zeros_like"),
                    submodules=names("cuda"), framework=True),
    "torch.cuda": Module(names("get_device_properties"), framework=True),  # not is_available: no probing
}

# -- pallas ------------------------------------------------------------------------------------
PALLAS_MODULES = {
    **COMMON,
    "jax": Module(names("ShapeDtypeStruct jit Array"), submodules=names("numpy lax experimental")),
    "jax.numpy": Module(PUBLIC, exclude=names("fft linalg")),
    "jax.lax": Module(PUBLIC, exclude=names("linalg")),
    "jax.experimental": Module(frozenset(), submodules=names("pallas")),
    "jax.experimental.pallas": Module(PUBLIC, submodules=names("triton tpu")),
    "jax.experimental.pallas.triton": Module(PUBLIC),
    "jax.experimental.pallas.tpu": Module(PUBLIC, exclude=names("core")),
    "jax._src.state.primitives": Module(names("ref_addupdate")),  # porter's integer atomic add
    "numpy": Module(DTYPES | names("float_ bool_ dtype"), framework=True),
}

# -- nki ---------------------------------------------------------------------------------------
NUMPY_INDEX_MATH = names(
    "asarray ascontiguousarray broadcast_to where abs add subtract multiply floor_divide remainder negative "
    "less less_equal greater greater_equal equal not_equal logical_and logical_or logical_not logical_xor "
    "bitwise_and bitwise_or bitwise_xor bitwise_not left_shift right_shift any all arange unique maximum minimum "
    "power inf nan ndarray number integer floating dtype bool_ float_ iinfo finfo shape")
_NKI = Module(names("jit simulate __porter_model__"), submodules=names("isa language"))
NKI_MODULES = {
    **COMMON,
    "nki": _NKI,
    "nki.isa": Module(PUBLIC),
    "nki.language": Module(PUBLIC),
    "neuronxcc": Module(frozenset(), submodules=names("nki")),
    "neuronxcc.nki": _NKI,
    "neuronxcc.nki.isa": Module(PUBLIC),
    "neuronxcc.nki.language": Module(PUBLIC),
    "numpy": Module(DTYPES | NUMPY_INDEX_MATH, framework=True),
    "porter.backends.nki.model": Module(names("install_model hbm_input run_kernel")),
}

MODULES = {"triton": TRITON_MODULES, "pallas": PALLAS_MODULES, "nki": NKI_MODULES}

#: The call that makes a module a candidate of the target (a decorator or a call, fully qualified).
MARKERS = {
    "triton": frozenset({"triton.jit"}),
    "pallas": frozenset({"jax.experimental.pallas.pallas_call"}),
    "nki": frozenset({"nki.jit", "neuronxcc.nki.jit"}),
}

#: Calls a module-level assignment may make (everything else at module level is a constant, a
#: table or a definition: no code runs at import that could build state).
MODULE_LEVEL_CALLS = frozenset({
    "triton.jit", "triton.autotune", "triton.heuristics", "triton.Config", "triton.language.constexpr",
    "functools.partial", "jax.jit", "jax.ShapeDtypeStruct", "nki.jit", "neuronxcc.nki.jit",
    "float", "int", "bool", "str", "tuple", "frozenset", "range", "complex",
})
CACHE_DECORATORS = frozenset({"functools.lru_cache", "functools.cache"})

# -- names -------------------------------------------------------------------------------------
#: Builtins a candidate may use. Every other builtin name (exec, eval, compile, open, getattr
#: beyond its constant form, setattr, globals, vars, type, object, memoryview, input, ...) may
#: not appear at all, as a reference or as a name the candidate binds.
BUILTINS_ALLOWED = frozenset({
    "abs", "all", "any", "bool", "bytes", "callable", "chr", "complex", "dict", "divmod", "enumerate", "filter",
    "float", "format", "frozenset", "hash", "hex", "id", "int", "isinstance", "issubclass", "iter", "len", "list", "map",
    "max", "min", "next", "oct", "ord", "pow", "print", "range", "repr", "reversed", "round", "set", "slice",
    "sorted", "str", "sum", "tuple", "zip", "True", "False", "None", "Ellipsis", "NotImplemented",
}) | frozenset(n for n in dir(builtins) if isinstance(getattr(builtins, n), type) and
                issubclass(getattr(builtins, n), BaseException))
#: Builtin names that are refused wherever they appear (also as a local the candidate binds).
BUILTINS_REFUSED = frozenset(n for n in dir(builtins) if n not in BUILTINS_ALLOWED) | {"__builtins__"}
#: ``getattr(x, "name", default)`` / ``hasattr(x, "name")`` with a constant name: read as ``x.name``.
CONSTANT_LOOKUPS = frozenset({"getattr", "hasattr"})
#: Attributes that reach frames, code and globals through non-dunder names.
INTROSPECTION = names("gi_frame gi_code gi_yieldfrom cr_frame cr_code cr_await ag_frame ag_code f_back f_globals "
                      "f_locals f_builtins f_code tb_frame tb_next co_code co_consts co_names mro")

# -- trick classes: the rule id a refused module attribute or import reports ----------------------
THREAD_MODULES = frozenset({"threading", "_thread", "multiprocessing", "concurrent", "asyncio", "subprocess",
                            "signal"})
TIMER_MODULES = frozenset({"time", "timeit"})
TIMER_NAMES = frozenset({"perf_counter", "perf_counter_ns", "monotonic", "time", "Event", "elapsed_time",
                         "synchronize", "do_bench", "do_bench_cudagraph", "Timer"})
STREAM_NAMES = frozenset({"Stream", "stream", "ExternalStream", "set_stream", "CUDAGraph", "graph"})
MUTABLE_CALLS = frozenset({"dict", "list", "set", "bytearray", "defaultdict", "OrderedDict", "Counter", "deque"})
LOW_PRECISION = frozenset({"float16", "bfloat16", "float8e4nv", "float8e5", "float8e4b15", "float8_e4m3fn",
                           "float8_e5m2", "tf32"})
