"""Parameter types resolved by porter's frontend, for specs whose kernels spell types indirectly.

The text of a parameter (``floatX*``, ``DATA_TYPE*``, ``T*``, ``long``, ``Mode``) is not always a
type the golden tables know. porter's IR resolves typedefs, macros (with the case's ``defines``),
``long`` and template parameters (bound to the launch's template arguments); an enum parameter
is passed as an integer cast to the enum. :func:`resolve_param` gives the C type the launcher
casts to, or None when the frontend cannot say.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from pathlib import Path

from porter.golden.signature import Param

#: IR scalar and vector types -> the C spelling the golden tables use.
IR_SCALARS = {"f32": "float", "f64": "double", "f16": "__half", "bf16": "__nv_bfloat16", "bool": "bool",
              "i8": "signed char", "u8": "unsigned char", "i16": "short", "u16": "unsigned short",
              "i32": "int", "u32": "unsigned int", "i64": "long long", "u64": "unsigned long long"}
IR_VECTORS = {"f32x2": "float2", "f32x4": "float4", "f64x2": "double2", "f16x2": "__half2",
              "bf16x2": "__nv_bfloat162", "i32x2": "int2", "i32x4": "int4", "u32x2": "uint2", "u32x4": "uint4"}
ENUM = re.compile(r"\benum\s+(?:class\s+|struct\s+)?([A-Za-z_]\w*)")


@dataclasses.dataclass(frozen=True)
class Resolved:
    element: str  # the C type of the element (pointee for pointers) in the golden tables' spelling
    enum: str = ""  # the enum's name when the parameter is an enum (passed as int, cast to it)


def template_arguments(kernel: str) -> tuple[str, ...]:
    """``reduce<256, float>`` -> ("256", "float")."""
    if "<" not in kernel:
        return ()
    inner = kernel[kernel.index("<") + 1: kernel.rindex(">")]
    parts, depth, current = [], 0, ""
    for char in inner:
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += (char == "<") - (char == ">")
        current += char
    if current.strip():
        parts.append(current.strip())
    return tuple(parts)


def resolve_params(source: Path, kernel: str, defines: tuple[tuple[str, object], ...] = ()) -> tuple[Resolved | None, ...]:
    """Each parameter of ``kernel`` (``name`` or ``name<args>``) resolved, None where unknown."""
    return _resolve(str(Path(source).resolve()), Path(source).stat().st_mtime_ns, kernel,
                    tuple((k, str(v)) for k, v in defines))


@lru_cache(maxsize=256)
def _resolve(path: str, _mtime: int, kernel: str, defines: tuple[tuple[str, str], ...]) -> tuple[Resolved | None, ...]:
    from porter.frontends.ir_frontend import build_ir
    from porter.ir import types as T
    from porter.ir.instantiate import InstantiationError, instantiate
    from porter.project import ProjectContext
    from porter.source import load_source

    loaded = load_source(path)
    if defines:
        loaded = dataclasses.replace(loaded, project=ProjectContext.from_options(defines=dict(defines)))
    module = build_ir(loaded)
    name = kernel.split("<", 1)[0].strip()
    function = next((f for f in module.kernels if f.name == name), None)
    if function is None:
        return ()
    arguments = tuple(_ir_name(a) for a in template_arguments(kernel))
    if arguments and function.template_params:
        try:
            function = instantiate(function, arguments)
        except InstantiationError:
            return tuple(None for _ in function.params)
    enums = set(ENUM.findall(loaded.text))
    return tuple(_type(p.type, T, enums) for p in function.params)


DTYPE_TO_IR = {"float64": "f64", "float32": "f32", "float16": "f16", "bfloat16": "bf16", "int64": "i64",
               "uint64": "u64", "int32": "i32", "uint32": "u32", "int16": "i16", "uint16": "u16", "int8": "i8",
               "uint8": "u8"}


def _ir_name(argument: str) -> str:
    """A C type argument (``float``, ``int64_t``, ``float4``) as the IR prints it; others unchanged."""
    from porter.golden.dtypes import POINTER_ELEMENTS

    if argument == "bool":
        return "bool"
    if argument in POINTER_ELEMENTS:
        dtype, lanes = POINTER_ELEMENTS[argument]
        return DTYPE_TO_IR[dtype] + (f"x{lanes}" if lanes > 1 else "")
    return argument


def _type(kind, T, enums: set[str]) -> Resolved | None:
    if isinstance(kind, T.Pointer | T.Array):
        kind = kind.pointee if isinstance(kind, T.Pointer) else kind.elem
    if isinstance(kind, T.Scalar):
        return Resolved(IR_SCALARS[kind.name]) if kind.name in IR_SCALARS else None
    if isinstance(kind, T.Vector):
        text = str(kind)
        return Resolved(IR_VECTORS[text]) if text in IR_VECTORS else None
    if isinstance(kind, T.Named) and kind.name in enums:
        return Resolved("int", enum=kind.name)
    return None


def with_resolved(param: Param, resolved: Resolved | None) -> Param:
    """``param`` with its element type replaced by the resolved one (enums: ``int``, cast on launch)."""
    if resolved is None:
        return param
    return dataclasses.replace(param, element=resolved.element, enum=resolved.enum, written=param.element)
