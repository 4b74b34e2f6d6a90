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

#: Distributions that only make sense for one kind of dtype.
FLOAT_ONLY_INITS = {"normal", "uniform", "edge"}
INTEGER_ONLY_INITS = {"offsets"}

TOP_KEYS = {"description", "category", "source", "tolerance", "buffers", "scalars", "launch", "case"}
BUFFER_KEYS = {"dtype", "shape", "role", "init", "rtol", "atol"}
LAUNCH_KEYS = {"kernel", "grid", "block", "shared_bytes", "args"}
CASE_KEYS = {"name", "sizes", "seed"}
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
CASE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")


def load_spec(path: Path, *, check_source: bool = True) -> KernelSpec:
    """Parse, check and return the spec at ``path``; raise SpecError when anything is wrong."""
    spec = parse_spec(path)
    validate(spec, check_source=check_source)
    return spec


def parse_spec(path: Path) -> KernelSpec:
    path = Path(path)
    data = _read_toml(path)
    where = str(path)
    _no_unknown_keys(data, TOP_KEYS, where)
    buffers = tuple(_buffer(name, value, f"{where}: buffers.{name}")
                    for name, value in _table(data, "buffers", where).items())
    scalars = tuple(_scalar(name, value, f"{where}: scalars.{name}")
                    for name, value in _table(data, "scalars", where, required=False).items())
    launches = tuple(_launch(item, f"{where}: launch[{i}]") for i, item in enumerate(_array(data, "launch", where)))
    cases = tuple(_case(item, f"{where}: case[{i}]") for i, item in enumerate(_array(data, "case", where)))
    spec = KernelSpec(
        name=path.stem,
        path=path,
        source=path.parent / _string(data.get("source", f"{path.stem}.cu"), f"{where}: source"),
        description=_string(data.get("description", ""), f"{where}: description"),
        category=_choice(data.get("category"), CATEGORIES, f"{where}: category"),
        buffers=buffers, scalars=scalars, launches=launches, cases=cases,
        tolerances=_tolerances(data.get("tolerance", {}), f"{where}: tolerance"))
    _check_names(spec, where)
    return spec


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


def _buffer(name: str, value: object, where: str) -> BufferSpec:
    if not isinstance(value, dict):
        raise SpecError(where, "expected an inline table { dtype = ..., shape = ..., role = ... }")
    _no_unknown_keys({k: v for k, v in value.items() if k not in _init_params(value)}, BUFFER_KEYS, where)
    dtype = _choice(value.get("dtype"), DTYPES, f"{where}.dtype")
    role = _choice(value.get("role"), ROLES, f"{where}.role")
    if "shape" not in value:
        raise SpecError(f"{where}.shape", "missing", 'e.g. shape = "n" or shape = ["rows", "cols"]')
    default_init = "poison" if role == "out" else "normal"
    init = _init(value.get("init", default_init), value, where)
    if init.kind in FLOAT_ONLY_INITS and not DTYPES[dtype].is_float:
        raise SpecError(f"{where}.init", f"init = {init.kind!r} needs a float dtype, not {dtype}",
                        "use randint, arange, offsets, full, zeros or ones")
    if init.kind in INTEGER_ONLY_INITS and DTYPES[dtype].is_float:
        raise SpecError(f"{where}.init", f"init = {init.kind!r} needs an integer dtype, not {dtype}")
    return BufferSpec(name, dtype, _exprs(value["shape"], f"{where}.shape"), role, init,
                      _tolerance_value(value.get("rtol"), f"{where}.rtol"),
                      _tolerance_value(value.get("atol"), f"{where}.atol"))


def _init_params(value: dict) -> set[str]:
    kind = value.get("init", "")
    return set(INIT_KINDS.get(kind, {})) if isinstance(kind, str) else set()


def _init(kind: object, value: dict, where: str) -> InitSpec:
    kind = _choice(kind, INIT_KINDS, f"{where}.init")
    params = []
    for param, default in INIT_KINDS[kind].items():
        if param not in value and default is None:
            raise SpecError(f"{where}.{param}", f"init = {kind!r} needs {param!r}")
        params.append((param, _expr(value.get(param, default), f"{where}.{param}")))
    return InitSpec(kind, tuple(params))


def _tolerance_value(value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise SpecError(where, f"expected a number >= 0, got {value!r}")
    return float(value)


def _tolerances(value: object, where: str) -> tuple[tuple[str, Tolerance], ...]:
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
        rtol = _tolerance_value(entry.get("rtol", default.rtol), f"{key}.rtol")
        atol = _tolerance_value(entry.get("atol", default.atol), f"{key}.atol")
        result.append((dtype, Tolerance(rtol, atol)))
    return tuple(result)


def _scalar(name: str, value: object, where: str) -> ScalarSpec:
    if isinstance(value, dict):
        _no_unknown_keys(value, {"value"}, where)
        value = value.get("value")
    return ScalarSpec(name, _expr(value, where))


def _launch(item: dict, where: str) -> LaunchSpec:
    _no_unknown_keys(item, LAUNCH_KEYS, where)
    kernel = _string(item.get("kernel"), f"{where}.kernel")
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


def _case(item: dict, where: str) -> CaseSpec:
    _no_unknown_keys(item, CASE_KEYS, where)
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
    return CaseSpec(name, tuple(sorted(sizes.items())), seed)


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
    for index, launch in enumerate(spec.launches):
        for arg in launch.args:
            if arg not in known:
                raise SpecError(f"{where}: launch[{index}].args", f"{arg!r} is neither a buffer nor a scalar",
                                f"known: {', '.join(sorted(known))}")
