"""Template instantiation on the IR: a template function with concrete arguments.

libclang does not expose the bodies of implicit template instantiations, and tree-sitter has no
semantics at all, so both frontends keep templates as templates (types ``$T``, extents ``"BS"``)
and this module makes the instances the file asks for (explicit instantiations and launches with
template arguments): type parameters replaced, value parameters turned into constants, expression
types recomputed.
"""

from __future__ import annotations

from porter import diagnostics
from porter.ir import build, cexpr, intrinsics
from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.module import Function, LaunchBounds, Module, SharedVar
from porter.ir.walk import rewrite


class InstantiationError(ValueError):
    pass


def instantiate(fn: Function, args: tuple[str, ...]) -> Function:
    """``fn`` with its template parameters bound to ``args`` (printed IR types or integers)."""
    if len(args) > len(fn.template_params):
        raise InstantiationError(f"{fn.name} takes {len(fn.template_params)} template arguments, got {len(args)}")
    types: dict[str, T.Type] = {}
    values: dict[str, int] = {}
    normalized = []
    for param, arg in zip(fn.template_params, args):
        if param.kind == "type":
            types[param.name] = intrinsics.parse_type_name(arg)
        else:
            try:
                values[param.name] = int(arg)
            except ValueError:
                raise InstantiationError(f"{param.name} = {arg!r} is not an integer") from None
            if param.value_type == T.BOOL:  # clang reads `true` as a 1-bit -1
                values[param.name] = int(values[param.name] != 0)
            arg = str(values[param.name])
        normalized.append(arg)
    args = tuple(normalized)
    if len(args) < len(fn.template_params):
        missing = [p.name for p in fn.template_params[len(args):]]
        raise InstantiationError(f"no argument for {', '.join(missing)} (defaults are not read)")
    binder = _Binder(types, values, {p.name: p.value_type or T.I32 for p in fn.template_params})
    body = rewrite(fn.body, binder) if fn.body is not None else None
    bounds = fn.launch_bounds
    if bounds is not None and bounds.max_threads is None and bounds.text:
        parts = [cexpr.try_evaluate(part, binder.macros) for part in bounds.text.split(",")]
        bounds = LaunchBounds(parts[0], parts[1] if len(parts) > 1 else None, bounds.text)
    return fn.replace(
        launch_bounds=bounds,
        params=tuple(p.__class__(p.name, binder.type(p.type), p.span) for p in fn.params),
        ret=binder.type(fn.ret), body=body,
        shared=tuple(SharedVar(s.name, binder.type(s.type), s.span, s.dynamic) for s in fn.shared),
        template_params=(), template_args=tuple(args))


class _Binder:
    def __init__(self, types: dict[str, T.Type], values: dict[str, int], value_types: dict[str, T.Type]):
        self.types = types
        self.values = values
        self.value_types = value_types
        self.macros = {k: str(v) for k, v in values.items()}

    def type(self, t: T.Type) -> T.Type:
        t = T.substitute(t, self.types)
        if isinstance(t, T.Array):
            return T.Array(t.elem, tuple(self.extent(d) for d in t.dims))
        if isinstance(t, T.Pointer) and isinstance(t.pointee, T.Array):
            return T.Pointer(self.type(t.pointee), t.const, t.restrict, t.volatile)
        return t

    def extent(self, dim: int | str | None) -> int | str | None:
        if not isinstance(dim, str):
            return dim
        value = cexpr.try_evaluate(dim, self.macros)
        return dim if value is None else value

    def template_arg(self, arg: str) -> str:
        if arg.startswith("$") and arg[1:] in self.types:
            return str(self.types[arg[1:]])
        if arg in self.values:
            return str(self.values[arg])
        return arg

    def __call__(self, node: N.Node) -> N.Node | None:
        if isinstance(node, N.Var) and node.name in self.values:
            value: int | bool = self.values[node.name]
            if self.value_types[node.name] == T.BOOL:
                value = bool(value)
            return build.const(value, self.value_types[node.name], node.span)
        if isinstance(node, N.Call) and node.template_args:
            args = tuple(self.template_arg(a) for a in node.template_args)
            return node.replace(template_args=args, type=self.type(node.type))
        if isinstance(node, N.Decl):
            return node.replace(var_type=self.type(node.var_type))
        if isinstance(node, N.Cast):
            return node.replace(type=self.type(node.type))
        if isinstance(node, N.Expr):
            typed = node.replace(type=self.type(node.type))
            return typed.replace(type=build.retype(typed))
        return None


def instantiate_module(module: Module) -> Module:
    """``module`` with an instance added for every distinct instantiation the file asks for."""
    seen: set[tuple[str, tuple[str, ...]]] = set()
    added: list[Function] = []
    found: list[diagnostics.Diagnostic] = []
    for request in sorted(module.instantiations, key=lambda r: r.span.start):
        key = (request.name, request.args)
        if key in seen:
            continue
        seen.add(key)
        template = next((f for f in module.functions if f.name == request.name and f.is_template), None)
        if template is None:
            continue
        try:
            instance = instantiate(template, request.args)
            if not any(a.name == instance.name and a.template_args == instance.template_args for a in added):
                added.append(instance)
        except InstantiationError as error:
            found.append(diagnostics.make("P0309", f"cannot instantiate {request.name}: {error}", request.span))
    for fn in module.functions:
        if fn.is_template and fn.is_kernel and not any(a.name == fn.name for a in added):
            found.append(diagnostics.make("P0307", f"template kernel {fn.name} is never instantiated "
                                          "in this file; porter analyses it with its parameters unbound",
                                          fn.span))
    if not added and not found:
        return module
    return module.replace(functions=module.functions + tuple(added),
                          diagnostics=module.diagnostics + tuple(found))
