"""Types of the kernel IR: scalars, CUDA vector types, pointers, arrays, named and template types.

Types are small frozen values compared by equality. Scalar names are short and fixed
(``f32``, ``u32``, ``bf16``...) so the printer's output does not depend on how the source spelled
a type (``unsigned``, ``unsigned int``, ``uint32_t`` are all ``u32``).
"""

from __future__ import annotations

from dataclasses import dataclass

#: scalar name -> (size in bytes, kind) where kind is "int", "uint", "float" or "bool"/"void".
SCALARS: dict[str, tuple[int, str]] = {
    "void": (0, "void"), "bool": (1, "bool"),
    "i8": (1, "int"), "u8": (1, "uint"), "i16": (2, "int"), "u16": (2, "uint"),
    "i32": (4, "int"), "u32": (4, "uint"), "i64": (8, "int"), "u64": (8, "uint"),
    "f16": (2, "float"), "bf16": (2, "float"), "f32": (4, "float"), "f64": (8, "float"),
}

_INT_RANK = {"bool": 0, "i8": 1, "u8": 1, "i16": 2, "u16": 2, "i32": 3, "u32": 3, "i64": 4, "u64": 4}
_FLOAT_RANK = {"f16": 1, "bf16": 1, "f32": 2, "f64": 3}


class Type:
    """Base of all IR types."""

    __slots__ = ()

    @property
    def size(self) -> int | None:
        """Size in bytes, or None when unknown (template parameters, opaque structs)."""
        return None


@dataclass(frozen=True, slots=True)
class Scalar(Type):
    name: str

    def __str__(self) -> str:
        return self.name

    @property
    def size(self) -> int | None:
        return SCALARS[self.name][0]

    @property
    def kind(self) -> str:
        return SCALARS[self.name][1]


@dataclass(frozen=True, slots=True)
class Vector(Type):
    """A CUDA vector type such as ``float4`` (``f32x4``) or ``half2`` (``f16x2``)."""

    elem: Scalar
    lanes: int

    def __str__(self) -> str:
        return f"{self.elem}x{self.lanes}"

    @property
    def size(self) -> int | None:
        return (self.elem.size or 0) * self.lanes


@dataclass(frozen=True, slots=True)
class Pointer(Type):
    pointee: Type
    const: bool = False
    restrict: bool = False
    volatile: bool = False

    def __str__(self) -> str:
        quals = "".join((" const" if self.const else "", " volatile" if self.volatile else "",
                         " restrict" if self.restrict else ""))
        return f"ptr<{self.pointee}{quals}>"

    @property
    def size(self) -> int | None:
        return 8


@dataclass(frozen=True, slots=True)
class Array(Type):
    """A fixed or open array.

    ``dims`` holds None for an unknown extent (``extern float s[]``) and the expression text for
    an extent that depends on a template parameter (``"BS"``, ``"BS*2"``).
    """

    elem: Type
    dims: tuple[int | str | None, ...]

    def __str__(self) -> str:
        return str(self.elem) + "".join(f"[{'?' if d is None else d}]" for d in self.dims)

    @property
    def size(self) -> int | None:
        count = 1
        for dim in self.dims:
            if not isinstance(dim, int):
                return None
            count *= dim
        elem = self.elem.size
        return None if elem is None else elem * count


@dataclass(frozen=True, slots=True)
class Named(Type):
    """A struct, class or typedef the IR does not look into (``dim3``, user structs)."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class TypeParam(Type):
    """A template type parameter, replaced by a concrete type on instantiation."""

    name: str

    def __str__(self) -> str:
        return f"${self.name}"


VOID = Scalar("void")
BOOL = Scalar("bool")
I32 = Scalar("i32")
U32 = Scalar("u32")
I64 = Scalar("i64")
U64 = Scalar("u64")
F16 = Scalar("f16")
BF16 = Scalar("bf16")
F32 = Scalar("f32")
F64 = Scalar("f64")
UNKNOWN = Named("?")


def is_int(t: Type) -> bool:
    return isinstance(t, Scalar) and t.kind in ("int", "uint", "bool")


def is_unsigned(t: Type) -> bool:
    return isinstance(t, Scalar) and t.kind == "uint"


def is_float(t: Type) -> bool:
    return isinstance(t, Scalar) and t.kind == "float"


def is_arith(t: Type) -> bool:
    return isinstance(t, Scalar) and t.kind not in ("void",)


def is_pointerlike(t: Type) -> bool:
    return isinstance(t, (Pointer, Array))


def element_type(t: Type) -> Type:
    """What indexing ``t`` once gives: the pointee, or the array with its first dimension gone."""
    if isinstance(t, Pointer):
        return t.pointee
    if isinstance(t, Array):
        return t.elem if len(t.dims) == 1 else Array(t.elem, t.dims[1:])
    return UNKNOWN


def promote(t: Type) -> Type:
    """C integer promotion: small integers and bool become i32."""
    if isinstance(t, Scalar) and t.kind in ("int", "uint", "bool") and _INT_RANK[t.name] < 3:
        return I32
    return t


def arith_result(a: Type, b: Type) -> Type:
    """The usual arithmetic conversions of C for a binary operator on ``a`` and ``b``."""
    if isinstance(a, TypeParam):
        return a
    if isinstance(b, TypeParam):
        return b
    if isinstance(a, Vector):
        return a
    if isinstance(b, Vector):
        return b
    if not (isinstance(a, Scalar) and isinstance(b, Scalar)) or not (is_arith(a) and is_arith(b)):
        return a if not isinstance(a, Scalar) else b if not isinstance(b, Scalar) else UNKNOWN
    if is_float(a) or is_float(b):
        fa = _FLOAT_RANK.get(a.name, 0)
        fb = _FLOAT_RANK.get(b.name, 0)
        return a if fa >= fb else b
    a, b = promote(a), promote(b)
    if a == b:
        return a
    ra, rb = _INT_RANK[a.name], _INT_RANK[b.name]
    ua, ub = is_unsigned(a), is_unsigned(b)
    if ua == ub:
        return a if ra >= rb else b
    unsigned, signed = (a, b) if ua else (b, a)
    if _INT_RANK[unsigned.name] >= _INT_RANK[signed.name]:
        return unsigned
    if signed.size > unsigned.size:
        return signed
    return Scalar("u" + signed.name[1:])


def strip_array(t: Type) -> Type:
    """The element type below all array dimensions."""
    while isinstance(t, Array):
        t = t.elem
    return t


def substitute(t: Type, mapping: dict[str, Type]) -> Type:
    """``t`` with template type parameters replaced from ``mapping``."""
    if isinstance(t, TypeParam):
        return mapping.get(t.name, t)
    if isinstance(t, Pointer):
        return Pointer(substitute(t.pointee, mapping), t.const, t.restrict, t.volatile)
    if isinstance(t, Array):
        return Array(substitute(t.elem, mapping), t.dims)
    return t


def has_type_param(t: Type) -> bool:
    if isinstance(t, TypeParam):
        return True
    if isinstance(t, Pointer):
        return has_type_param(t.pointee)
    if isinstance(t, Array):
        return has_type_param(t.elem)
    return False
