"""Load a kernel's golden spec (``NAME.toml`` beside ``NAME.cu``) into frozen dataclasses.

Every error names the file and the key (``saxpy.toml: buffers.x.dtype: ...``). Loading also
evaluates every expression for every case and checks the spec against the kernels' signatures
(:mod:`porter.golden.validate`), so a spec that loads can be recorded. The format is described in
``golden/README.md``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from porter.golden.dtypes import DTYPES
from porter.golden.errors import SpecError
from porter.golden.expr import ExpressionError, parse
from porter.golden.model import (
    ROLES,
    BufferSpec,
    CaseSpec,
    Expr,
    InitSpec,
    KernelSpec,
    LaunchSpec,
    ScalarSpec,
    Tolerance,
)
from porter.golden.validate import validate

CATEGORIES = ("elementwise", "reduction", "scan", "stencil", "matmul", "gather", "atomic",
              "normalization", "attention", "pipeline", "layout", "sort", "sparse")

#: Input distributions: kind -> {parameter: default}; a default of None means required.
INIT_KINDS: dict[str, dict[str, Expr | None]] = {
    "normal": {"mean": 0.0, "std": 1.0},
    "uniform": {"low": -1.0, "high": 1.0},
    "randint": {"low": 0, "high": None},  # [low, high)
    "zeros": {},
    "ones": {},
    "full": {"value": None},
    "arange": {"start": 0, "step": 1},
    "poison": {},
    "edge": {"std": 1.0},  # special values (0, -0, ±1, ±inf, tiny, huge...) among normal ones
    "offsets": {"low": 0, "high": None},  # [0, cumsum(randint(low, high))]: CSR row pointers
}

#: Generators of format 2 (computed inputs; see porter.golden.generators). ``expr``, ``part`` and
#: ``matrix`` are texts, not numbers.
V2_INIT_KINDS: dict[str, dict[str, Expr | None]] = {
    "sorted": {"low": 0, "high": None},  # sorted draws from [low, high)
    "permutation": {"start": 0},  # a random permutation of start .. start + count - 1
    "table": {"expr": None},  # expr of the flat index `i` (and the sizes), evaluated per element
    "csr": {"part": None, "rows": None, "cols": None, "density": None, "matrix": "A"},
    "file": {"file": None},  # a .npy beside the spec; "{case}" in the name stands for the case
}
TEXT_PARAMS = {"expr", "part", "matrix", "file"}
#: Parameters any format-2 init may take; present in the resolved case only when given.
OPTIONAL_PARAMS = {"seed"}
CSR_PARTS = ("offsets", "indices")

#: Distributions that only make sense for one kind of dtype.
FLOAT_ONLY_INITS = {"normal", "uniform", "edge"}
INTEGER_ONLY_INITS = {"offsets", "permutation", "csr"}

TOP_KEYS = {"description", "category", "source", "tolerance", "buffers", "scalars", "launch", "case"}
V2_TOP_KEYS = {"format", "defines", "step", "nondeterministic"}
BUFFER_KEYS = {"dtype", "shape", "role", "init", "rtol", "atol"}
V2_BUFFER_KEYS = {"undefined", "seed"}
LAUNCH_KEYS = {"kernel", "grid", "block", "shared_bytes", "args"}
CASE_KEYS = {"name", "sizes", "seed"}
V2_CASE_KEYS = {"defines"}
FORMATS = (1, 2)
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
CASE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")


def load_spec(path: Path, *, check_source: bool = True) -> KernelSpec:
    """Parse, check and return the spec at ``path``; raise SpecError when anything is wrong."""
    spec = parse_spec(path)
    validate(spec, check_source=check_source)
    return spec


def parse_spec(path: Path, problems: list[SpecError] | None = None) -> KernelSpec | None:
    """The spec at ``path``. Without ``problems``, the first problem raises; with it, every
    independent part is parsed, each problem is appended, and None comes back when there was one."""
    path = Path(path)
    attempt = Attempt(problems)
    data = _read_toml(path)
    where = str(path)
    version = attempt(_format, data.get("format", 1), f"{where}: format")
    if version is None:
        return None
    attempt(_no_unknown_keys, data, TOP_KEYS | (V2_TOP_KEYS if version == 2 else set()), where)
    buffers = attempt.each((_buffer, name, value, f"{where}: buffers.{name}", version)
                           for name, value in (attempt(_table, data, "buffers", where) or {}).items())
    buffers = tuple(replace(b, init=replace(b.init, base=str(path.parent))) if b.init.kind == "file" else b
                    for b in buffers)
    scalars = attempt.each((_scalar, name, value, f"{where}: scalars.{name}")
                           for name, value in (attempt(_table, data, "scalars", where, False) or {}).items())
    steps, launch_keys = (), ()
    if version == 2 and "step" in data:
        from porter.golden.steps import parse_steps
        launches, steps, launch_keys = attempt(parse_steps, data, where, _launch) or ((), (), ())
    else:
        launches = attempt.each((_launch, item, f"{where}: launch[{i}]", version)
                                for i, item in enumerate(attempt(_array, data, "launch", where) or []))
    cases = attempt.each((_case, item, f"{where}: case[{i}]", version)
                         for i, item in enumerate(attempt(_array, data, "case", where) or []))
    extras = attempt(_v2_top, data, where) if version == 2 else {}
    fields = dict(
        name=path.stem,
        path=path,
        source=path.parent / (attempt(_string, data.get("source", f"{path.stem}.cu"), f"{where}: source") or ""),
        description=attempt(_string, data.get("description", ""), f"{where}: description") or "",
        category=attempt(_choice, data.get("category"), CATEGORIES, f"{where}: category"),
        buffers=buffers, scalars=scalars, launches=launches, cases=cases,
        tolerances=attempt(_tolerances, data.get("tolerance", {}), f"{where}: tolerance", version) or ())
    if attempt.failed:
        return None
    if version == 2:
        from porter.golden.steps import iter_steps
        extras = {**extras, "symbols": tuple(sorted({s.symbol for s in iter_steps(steps) if s.op == "symbol"}))}
    spec = KernelSpec(**fields, format=version, steps=steps, launch_keys=launch_keys, **(extras or {}))
    attempt(_check_names, spec, where)
    return None if attempt.failed else spec


class Attempt:
    """Call parts of a check: raise the first SpecError, or (given a list) collect them all."""

    def __init__(self, problems: list[SpecError] | None):
        self.problems = problems
        self.failed = False

    def __call__(self, function, *args):
        try:
            return function(*args)
        except SpecError as error:
            if self.problems is None:
                raise
            self.problems.append(error)
            self.failed = True
            return None

    def each(self, calls) -> tuple:
        results = [self(function, *args) for function, *args in calls]
        return tuple(r for r in results if r is not None)


def _format(value: object, where: str) -> int:
    if value not in FORMATS or isinstance(value, bool):
        raise SpecError(where, f"unknown spec format {value!r}", "format = 2, or leave it out for format 1")
    return value  # type: ignore[return-value]


def _v2_top(data: dict, where: str) -> dict:
    from porter.golden.steps import parse_defines, parse_nondeterminism
    return {"defines": parse_defines(data.get("defines", {}), f"{where}: defines"),
            "nondeterministic": parse_nondeterminism(data.get("nondeterministic"), f"{where}: nondeterministic"),
            "symbols": ()}


def discover(paths: Iterable[Path]) -> list[Path]:
    """The spec files named by ``paths``: .toml files as given, folders searched recursively.

    A folder's ``*.toml`` files count as specs when a CUDA file of the same stem is beside them.
    """
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*.toml")) if _has_source(p))
        elif path.suffix == ".cu" and path.with_suffix(".toml").exists():
            found.append(path.with_suffix(".toml"))
        elif path.exists():
            found.append(path)
        else:
            raise SpecError(str(path), "no such file or folder")
    return sorted(set(found), key=lambda p: (p.stem, str(p)))


def _has_source(path: Path) -> bool:
    return any(path.with_suffix(suffix).exists() for suffix in (".cu", ".cuh"))


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise SpecError(str(path), "no such spec file") from None
    except tomllib.TOMLDecodeError as error:
        raise SpecError(str(path), f"not valid TOML: {error}") from None


def _no_unknown_keys(table: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        key = f"{where}.{unknown[0]}" if ": " in where else f"{where}: {unknown[0]}"
        raise SpecError(key, "unknown key", f"allowed keys: {', '.join(sorted(allowed))}")


def _table(data: dict, key: str, where: str, required: bool = True) -> dict:
    value = data.get(key, None if required else {})
    if not isinstance(value, dict) or (required and not value):
        raise SpecError(f"{where}: {key}", "expected a non-empty table" if required else "expected a table")
    return value


def _array(data: dict, key: str, where: str) -> list[dict]:
    value = data.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        raise SpecError(f"{where}: {key}", f"expected one or more [[{key}]] tables")
    return value


def _string(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise SpecError(where, f"expected a string, got {value!r}")
    return value


def _choice(value: object, choices: Iterable[str], where: str) -> str:
    choices = tuple(choices)
    if value not in choices:
        raise SpecError(where, f"{value!r} is not one of {', '.join(choices)}")
    return value  # type: ignore[return-value]


def _expr(value: object, where: str) -> Expr:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise SpecError(where, f"expected a number or an expression string, got {value!r}")
    if isinstance(value, str):
        try:
            parse(value)
        except ExpressionError as error:
            raise SpecError(where, str(error)) from None
    return value


def _exprs(value: object, where: str) -> tuple[Expr, ...]:
    """One expression, or a list of 1-3 (grid, block, shape)."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise SpecError(where, "expected at least one expression")
    return tuple(_expr(item, f"{where}[{i}]" if isinstance(value, list) else where)
                 for i, item in enumerate(items))


def _buffer(name: str, value: object, where: str, version: int = 1) -> BufferSpec:
    if not isinstance(value, dict):
        raise SpecError(where, "expected an inline table { dtype = ..., shape = ..., role = ... }")
    kinds = {**INIT_KINDS, **(V2_INIT_KINDS if version == 2 else {})}
    allowed = BUFFER_KEYS | (V2_BUFFER_KEYS if version == 2 else set())
    _no_unknown_keys({k: v for k, v in value.items() if k not in _init_params(value, kinds)}, allowed, where)
    dtype = _choice(value.get("dtype"), DTYPES, f"{where}.dtype")
    role = _choice(value.get("role"), ROLES, f"{where}.role")
    if "shape" not in value:
        raise SpecError(f"{where}.shape", "missing", 'e.g. shape = "n" or shape = ["rows", "cols"]')
    default_init = "poison" if role == "out" else "normal"
    init = _init(value.get("init", default_init), value, where, kinds)
    if init.kind in FLOAT_ONLY_INITS and not DTYPES[dtype].is_float:
        raise SpecError(f"{where}.init", f"init = {init.kind!r} needs a float dtype, not {dtype}",
                        "use randint, arange, offsets, full, zeros or ones")
    if init.kind in INTEGER_ONLY_INITS and DTYPES[dtype].is_float:
        raise SpecError(f"{where}.init", f"init = {init.kind!r} needs an integer dtype, not {dtype}")
    if init.kind == "csr" and init.param("part") not in CSR_PARTS:
        raise SpecError(f"{where}.part", f"part = {init.param('part')!r} is not one of {', '.join(CSR_PARTS)}")
    undefined = ()
    if version == 2 and "undefined" in value:
        from porter.golden.steps import parse_ranges
        undefined = parse_ranges(value["undefined"], f"{where}.undefined")
    tolerance = _tolerance_expr if version == 2 else _tolerance_value
    return BufferSpec(name, dtype, _exprs(value["shape"], f"{where}.shape"), role, init,
                      tolerance(value.get("rtol"), f"{where}.rtol"),
                      tolerance(value.get("atol"), f"{where}.atol"), undefined)


def _init_params(value: dict, kinds: dict = INIT_KINDS) -> set[str]:
    kind = value.get("init", "")
    return (set(kinds.get(kind, {})) | (OPTIONAL_PARAMS if kinds is not INIT_KINDS else set())
            if isinstance(kind, str) else set())


def _init(kind: object, value: dict, where: str, kinds: dict = INIT_KINDS) -> InitSpec:
    kind = _choice(kind, kinds, f"{where}.init")
    params = []
    for param, default in kinds[kind].items():
        if param not in value and default is None:
            raise SpecError(f"{where}.{param}", f"init = {kind!r} needs {param!r}")
        given = value.get(param, default)
        if param in TEXT_PARAMS:
            params.append((param, _string(given, f"{where}.{param}")))
        else:
            params.append((param, _expr(given, f"{where}.{param}")))
    if kinds is not INIT_KINDS and "seed" in value:
        seed = value["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise SpecError(f"{where}.seed", f"expected an integer >= 0, got {seed!r}")
        params.append(("seed", seed))
    if kind == "table":
        from porter.golden.expr import ExpressionError
        try:
            parse(dict(params)["expr"])
        except ExpressionError as error:
            raise SpecError(f"{where}.expr", str(error)) from None
    return InitSpec(kind, tuple(params))


def _tolerance_expr(value: object, where: str) -> Expr | None:
    """Format 2: a number >= 0, or an expression over the case's sizes (checked per case)."""
    if isinstance(value, str):
        return _expr(value, where)
    return _tolerance_value(value, where)


def _tolerance_value(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise SpecError(where, f"expected a number >= 0, got {value!r}")
    return float(value)


def _tolerances(value: object, where: str, version: int = 1) -> tuple[tuple[str, Tolerance], ...]:
    if not isinstance(value, dict):
        raise SpecError(where, "expected a table of dtypes, e.g. [tolerance.float32]")
    result = []
    for dtype, entry in sorted(value.items()):
        key = f"{where}.{dtype}"
        _choice(dtype, DTYPES, key)
        if not isinstance(entry, dict):
            raise SpecError(key, "expected a table with rtol and atol")
        _no_unknown_keys(entry, {"rtol", "atol"}, key)
        default = DTYPES[dtype]
        tolerance = _tolerance_expr if version == 2 else _tolerance_value
        rtol = tolerance(entry.get("rtol", default.rtol), f"{key}.rtol")
        atol = tolerance(entry.get("atol", default.atol), f"{key}.atol")
        result.append((dtype, Tolerance(rtol, atol)))
    return tuple(result)


def _scalar(name: str, value: object, where: str) -> ScalarSpec:
    if isinstance(value, dict):
        _no_unknown_keys(value, {"value"}, where)
        value = value.get("value")
    return ScalarSpec(name, _expr(value, where))


def _launch(item: dict, where: str, version: int = 1) -> LaunchSpec:
    _no_unknown_keys(item, LAUNCH_KEYS, where)
    kernel = _string(item.get("kernel"), f"{where}.kernel")
    if version == 2:
        from porter.golden.expr import ExpressionError
        from porter.golden.templates import check_placeholders
        try:
            check_placeholders(kernel)
        except ExpressionError as error:
            raise SpecError(f"{where}.kernel", str(error), 'template arguments per case: "reduce<{block}>"') from None
    args = item.get("args")
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise SpecError(f"{where}.args", "expected a list of buffer and scalar names")
    for key in ("grid", "block"):
        if key not in item:
            raise SpecError(f"{where}.{key}", "missing")
    grid, block = _exprs(item["grid"], f"{where}.grid"), _exprs(item["block"], f"{where}.block")
    for key, dims in (("grid", grid), ("block", block)):
        if len(dims) > 3:
            raise SpecError(f"{where}.{key}", "at most 3 dimensions")
    shared = _expr(item.get("shared_bytes", 0), f"{where}.shared_bytes")
    return LaunchSpec(kernel, grid, block, shared, tuple(args))


def _case(item: dict, where: str, version: int = 1) -> CaseSpec:
    _no_unknown_keys(item, CASE_KEYS | (V2_CASE_KEYS if version == 2 else set()), where)
    name = _string(item.get("name"), f"{where}.name")
    if not CASE_NAME.match(name):
        raise SpecError(f"{where}.name", f"{name!r} is not a usable file name",
                        "use letters, digits, '_', '.' and '-'")
    sizes = item.get("sizes", {})
    if not isinstance(sizes, dict):
        raise SpecError(f"{where}.sizes", "expected a table, e.g. sizes = { n = 1000 }")
    for key, size in sizes.items():
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise SpecError(f"{where}.sizes.{key}", f"expected an integer >= 0, got {size!r}")
    seed = item.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SpecError(f"{where}.seed", f"expected an integer >= 0, got {seed!r}")
    defines = ()
    if version == 2 and "defines" in item:
        from porter.golden.steps import parse_defines
        defines = parse_defines(item["defines"], f"{where}.defines")
    return CaseSpec(name, tuple(sorted(sizes.items())), seed, defines)


def _check_names(spec: KernelSpec, where: str) -> None:
    for kind, items in (("buffers", spec.buffers), ("scalars", spec.scalars)):
        for item in items:
            if not IDENTIFIER.match(item.name):
                raise SpecError(f"{where}: {kind}.{item.name}", "not a valid identifier")
    clash = {b.name for b in spec.buffers} & {s.name for s in spec.scalars}
    if clash:
        raise SpecError(f"{where}: scalars.{min(clash)}", "is also a buffer's name")
    seen: set[str] = set()
    for index, case in enumerate(spec.cases):
        if case.name in seen:
            raise SpecError(f"{where}: case[{index}].name", f"duplicate case name {case.name!r}")
        seen.add(case.name)
    known = {b.name for b in spec.buffers} | {s.name for s in spec.scalars}
    if spec.steps:
        from porter.golden.steps import check_step_names
        check_step_names(spec, where)
    for index, launch in enumerate(spec.launches):
        for arg in launch.args:
            if arg not in known:
                raise SpecError(f"{where}: launch[{index}].args", f"{arg!r} is neither a buffer nor a scalar",
                                f"known: {', '.join(sorted(known))}")
