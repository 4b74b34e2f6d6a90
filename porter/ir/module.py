"""The top of the IR: a module of kernels, device functions, globals and host-code spans."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from porter.diagnostics import Diagnostic, Span
from porter.ir.nodes import Block, Expr
from porter.ir.types import Type

KERNEL = "kernel"  # __global__
DEVICE = "device"  # __device__
HOST_DEVICE = "host_device"  # __host__ __device__


@dataclass(frozen=True, slots=True, eq=False)
class Param:
    name: str
    type: Type
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class SharedVar:
    """A ``__shared__`` variable; ``dynamic`` for ``extern __shared__ T s[];``."""

    name: str
    type: Type
    span: Span
    dynamic: bool = False

    @property
    def bytes(self) -> int | None:
        return None if self.dynamic else self.type.size


@dataclass(frozen=True, slots=True, eq=False)
class TemplateParam:
    """``typename T`` (``kind`` "type") or ``int N`` (``kind`` "value", with its type)."""

    name: str
    kind: str
    value_type: Type | None = None


@dataclass(frozen=True, slots=True)
class LaunchBounds:
    max_threads: int | None
    min_blocks: int | None = None
    text: str = ""


@dataclass(frozen=True, slots=True, eq=False)
class Function:
    """A ``__global__`` kernel or a ``__device__`` function.

    A template keeps its ``template_params``; an instance made by
    :func:`porter.ir.instantiate.instantiate` has none and names its ``template_args`` instead.
    """

    name: str
    kind: str
    params: tuple[Param, ...]
    ret: Type
    body: Block | None
    span: Span
    shared: tuple[SharedVar, ...] = ()
    launch_bounds: LaunchBounds | None = None
    template_params: tuple[TemplateParam, ...] = ()
    template_args: tuple[str, ...] = ()
    attrs: tuple[str, ...] = ()  # forceinline, noinline, ...

    @property
    def is_kernel(self) -> bool:
        return self.kind == KERNEL

    @property
    def is_template(self) -> bool:
        return bool(self.template_params)

    @property
    def full_name(self) -> str:
        return f"{self.name}<{', '.join(self.template_args)}>" if self.template_args else self.name

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def shared_var(self, name: str) -> SharedVar | None:
        return next((s for s in self.shared if s.name == name), None)

    def replace(self, **changes) -> Function:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True, slots=True, eq=False)
class GlobalVar:
    """A ``__constant__``, ``__device__`` or ``__managed__`` variable at file scope."""

    name: str
    type: Type
    space: str
    span: Span
    init: Expr | None = None


@dataclass(frozen=True, slots=True)
class Launch:
    """A ``kernel<<<grid, block, shmem>>>(...)`` launch in host code."""

    kernel: str
    template_args: tuple[str, ...]
    config: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Instantiation:
    """Where the file asks for a template kernel or device function with given arguments."""

    name: str
    args: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True, eq=False)
class Module:
    name: str
    frontend: str
    functions: tuple[Function, ...] = ()
    globals: tuple[GlobalVar, ...] = ()
    host: tuple[Span, ...] = ()
    launches: tuple[Launch, ...] = ()
    instantiations: tuple[Instantiation, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    @property
    def kernels(self) -> list[Function]:
        return [f for f in self.functions if f.is_kernel]

    @property
    def device_functions(self) -> list[Function]:
        return [f for f in self.functions if not f.is_kernel]

    def function(self, name: str, arity: int | None = None) -> Function | None:
        """A function by name (and arity, for overloads); instances before templates."""
        matches = [f for f in self.functions if f.name == name or f.full_name == name]
        if arity is not None:
            matches = [f for f in matches if len(f.params) == arity] or matches
        concrete = [f for f in matches if not f.is_template]
        return (concrete or matches or [None])[0]

    def global_var(self, name: str) -> GlobalVar | None:
        return next((g for g in self.globals if g.name == name), None)

    def replace(self, **changes) -> Module:
        return dataclasses.replace(self, **changes)
