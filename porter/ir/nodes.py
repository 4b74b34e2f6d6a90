"""Expression and statement nodes of the kernel IR.

Every node is a small frozen dataclass that carries its source span. Nodes compare and hash by
identity (``eq=False``), so analyses can key per-node facts by the node itself; edits make new
nodes with :meth:`Node.replace`. ``CHILDREN`` names the fields that hold sub-nodes, in source
order, which is all the generic walkers in :mod:`porter.ir.walk` need.

Op groups (``ALU``, ``MEMORY``, ``SYNC``, ``CONTROL``) are what patterns match against.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import ClassVar

from porter.diagnostics import Span
from porter.ir.types import Type

ALU = "alu"
MEMORY = "memory"
SYNC = "sync"
CONTROL = "control"
OTHER = "other"


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    span: Span = field(kw_only=True, repr=False)

    CHILDREN: ClassVar[tuple[str, ...]] = ()
    GROUP: ClassVar[str] = OTHER

    def children(self) -> list[Node]:
        out: list[Node] = []
        for name in self.CHILDREN:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, tuple):
                out.extend(value)
            else:
                out.append(value)
        return out

    def replace(self, **changes) -> Node:
        return dataclasses.replace(self, **changes)


# ----------------------------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True, eq=False)
class Expr(Node):
    type: Type = field(kw_only=True)


@dataclass(frozen=True, slots=True, eq=False)
class Const(Expr):
    """A literal: int, float, bool, string (``printf`` formats) or None (``nullptr``)."""

    value: int | float | bool | str | None
    GROUP: ClassVar[str] = ALU


@dataclass(frozen=True, slots=True, eq=False)
class Var(Expr):
    """A reference to a parameter, local, shared array, global or template value parameter."""

    name: str


#: The CUDA built-in index variables; ``warpSize`` has dim "".
BUILTIN_VARS = ("threadIdx", "blockIdx", "blockDim", "gridDim", "warpSize")


@dataclass(frozen=True, slots=True, eq=False)
class Builtin(Expr):
    """``threadIdx.x``, ``blockIdx.y``, ``blockDim.z``, ``gridDim.x``, ``warpSize``."""

    name: str
    dim: str = ""

    @property
    def text(self) -> str:
        return f"{self.name}.{self.dim}" if self.dim else self.name


@dataclass(frozen=True, slots=True, eq=False)
class Binary(Expr):
    op: str
    lhs: Expr
    rhs: Expr
    CHILDREN: ClassVar[tuple[str, ...]] = ("lhs", "rhs")
    GROUP: ClassVar[str] = ALU


@dataclass(frozen=True, slots=True, eq=False)
class Unary(Expr):
    """``-x``, ``+x``, ``!x``, ``~x`` and ``&x`` (address of)."""

    op: str
    operand: Expr
    CHILDREN: ClassVar[tuple[str, ...]] = ("operand",)
    GROUP: ClassVar[str] = ALU


@dataclass(frozen=True, slots=True, eq=False)
class Load(Expr):
    """Reading ``base[i][j]...``; ``*p`` is ``Load(p, (0,))``."""

    base: Expr
    indices: tuple[Expr, ...]
    CHILDREN: ClassVar[tuple[str, ...]] = ("base", "indices")
    GROUP: ClassVar[str] = MEMORY


@dataclass(frozen=True, slots=True, eq=False)
class Member(Expr):
    """A field of a struct or vector value: ``v.x``; ``p->x`` has ``arrow`` set."""

    base: Expr
    field: str
    arrow: bool = False
    CHILDREN: ClassVar[tuple[str, ...]] = ("base",)


@dataclass(frozen=True, slots=True, eq=False)
class Call(Expr):
    """A call of a function of the module (a device function), linked by name."""

    callee: str
    args: tuple[Expr, ...]
    template_args: tuple[str, ...] = ()
    CHILDREN: ClassVar[tuple[str, ...]] = ("args",)
    GROUP: ClassVar[str] = CONTROL


@dataclass(frozen=True, slots=True, eq=False)
class Intrinsic(Expr):
    """A CUDA built-in function; ``group`` comes from :mod:`porter.ir.intrinsics`."""

    name: str
    args: tuple[Expr, ...]
    group: str
    CHILDREN: ClassVar[tuple[str, ...]] = ("args",)

    @property
    def GROUP(self) -> str:  # type: ignore[override]
        return {"sync": SYNC, "atomic": MEMORY, "memory": MEMORY}.get(self.group, ALU)


@dataclass(frozen=True, slots=True, eq=False)
class Cast(Expr):
    """An explicit conversion to ``type`` (C cast, functional cast, ``static_cast`` ...)."""

    operand: Expr
    kind: str = "c"
    CHILDREN: ClassVar[tuple[str, ...]] = ("operand",)
    GROUP: ClassVar[str] = ALU


@dataclass(frozen=True, slots=True, eq=False)
class Select(Expr):
    cond: Expr
    then: Expr
    other: Expr
    CHILDREN: ClassVar[tuple[str, ...]] = ("cond", "then", "other")
    GROUP: ClassVar[str] = ALU


@dataclass(frozen=True, slots=True, eq=False)
class OpaqueExpr(Expr):
    """An expression the IR does not model; a diagnostic says why."""

    text: str
    reason: str


# ------------------------------------------------------------------------------------ statements


@dataclass(frozen=True, slots=True, eq=False)
class Stmt(Node):
    pass


@dataclass(frozen=True, slots=True, eq=False)
class Block(Stmt):
    body: tuple[Stmt, ...]
    CHILDREN: ClassVar[tuple[str, ...]] = ("body",)


@dataclass(frozen=True, slots=True, eq=False)
class If(Stmt):
    cond: Expr
    then: Block
    other: Block | None = None
    CHILDREN: ClassVar[tuple[str, ...]] = ("cond", "then", "other")
    GROUP: ClassVar[str] = CONTROL


@dataclass(frozen=True, slots=True, eq=False)
class For(Stmt):
    init: tuple[Stmt, ...]
    cond: Expr | None
    step: tuple[Stmt, ...]
    body: Block
    unroll: str | None = None  # "" for a bare ``#pragma unroll``, else its argument text
    CHILDREN: ClassVar[tuple[str, ...]] = ("init", "cond", "step", "body")
    GROUP: ClassVar[str] = CONTROL


@dataclass(frozen=True, slots=True, eq=False)
class While(Stmt):
    cond: Expr
    body: Block
    CHILDREN: ClassVar[tuple[str, ...]] = ("cond", "body")
    GROUP: ClassVar[str] = CONTROL


@dataclass(frozen=True, slots=True, eq=False)
class DoWhile(Stmt):
    body: Block
    cond: Expr
    CHILDREN: ClassVar[tuple[str, ...]] = ("body", "cond")
    GROUP: ClassVar[str] = CONTROL


@dataclass(frozen=True, slots=True, eq=False)
class Decl(Stmt):
    """A local variable: ``T name = init;`` (``init`` may be None)."""

    name: str
    var_type: Type
    init: Expr | None = None
    CHILDREN: ClassVar[tuple[str, ...]] = ("init",)


@dataclass(frozen=True, slots=True, eq=False)
class Assign(Stmt):
    """``target = value`` or, with ``op``, ``target op= value``, on a local (``Var``/``Member``).

    ``x++`` is ``Assign(x, 1, op="+")``.
    """

    target: Expr
    value: Expr
    op: str | None = None
    CHILDREN: ClassVar[tuple[str, ...]] = ("target", "value")


@dataclass(frozen=True, slots=True, eq=False)
class Store(Stmt):
    """``base[indices](.field) (op)= value``: a write to memory (global, shared or a local array)."""

    base: Expr
    indices: tuple[Expr, ...]
    value: Expr
    op: str | None = None
    field: str | None = None
    CHILDREN: ClassVar[tuple[str, ...]] = ("base", "indices", "value")
    GROUP: ClassVar[str] = MEMORY


@dataclass(frozen=True, slots=True, eq=False)
class Eval(Stmt):
    """An expression evaluated for its effect: a call, an intrinsic (atomics, fences)."""

    expr: Expr
    CHILDREN: ClassVar[tuple[str, ...]] = ("expr",)


@dataclass(frozen=True, slots=True, eq=False)
class Barrier(Stmt):
    """``__syncthreads()`` (scope "block") or ``__syncwarp(mask)`` (scope "warp")."""

    name: str
    scope: str
    args: tuple[Expr, ...] = ()
    CHILDREN: ClassVar[tuple[str, ...]] = ("args",)
    GROUP: ClassVar[str] = SYNC


@dataclass(frozen=True, slots=True, eq=False)
class Return(Stmt):
    value: Expr | None = None
    CHILDREN: ClassVar[tuple[str, ...]] = ("value",)
    GROUP: ClassVar[str] = CONTROL


@dataclass(frozen=True, slots=True, eq=False)
class Break(Stmt):
    GROUP: ClassVar[str] = CONTROL


@dataclass(frozen=True, slots=True, eq=False)
class Continue(Stmt):
    GROUP: ClassVar[str] = CONTROL


@dataclass(frozen=True, slots=True, eq=False)
class OpaqueStmt(Stmt):
    """A statement the IR does not model (inline PTX, goto, switch...); a diagnostic says why."""

    text: str
    reason: str
