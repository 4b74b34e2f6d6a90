"""Types of the tree-sitter IR frontend (mixed into ``TreeSitterIR``): C declarations read
without a compiler.

A declaration's specifiers give a base type (typedefs, template parameters, macros and CUDA type
names resolved); its declarator wraps it in pointers and arrays, outermost first; ``const`` and
``volatile`` of the declaration end up on the pointee. Array extents are evaluated with the
file's macros and constants, or kept as text when they depend on a template parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

from porter.frontends.treesitter import Node

from porter.ir import cexpr, cnames
from porter.ir import types as T
from porter.ir.module import TemplateParam


class TypeReader:
    """Needs from its host: ``b`` (IRBuilder), ``text``, ``macros``, ``typedefs``, ``expanding``,
    ``macro_values``, ``const_ints``."""

    def base_type(self, decl: Node, tparams: tuple[TemplateParam, ...] = ()) -> T.Type | None:
        """The type named by a declaration's specifiers, with ``const`` on it; None for ``auto``."""
        type_node = decl.child_by_field_name("type")
        if type_node is None:
            return None
        return self.type_from_node(type_node, tparams)

    def type_from_node(self, node: Node, tparams: tuple[TemplateParam, ...] = ()) -> T.Type | None:
        kind = node.type
        text = self.text(node)
        if kind in ("primitive_type", "sized_type_specifier"):
            return cnames.scalar_type(text) or T.Named(_squash(text))
        if kind == "placeholder_type_specifier" or kind == "decltype":
            return None
        if kind in ("struct_specifier", "class_specifier", "union_specifier", "enum_specifier"):
            name = node.child_by_field_name("name")
            if kind == "enum_specifier":
                return T.I32
            return T.Named(self.text(name)) if name is not None else T.UNKNOWN
        if kind == "template_type":
            return T.Named(_squash(text))
        return self.named_type(text, tparams) or T.Named(_squash(text))

    def named_type(self, text: str, tparams: tuple[TemplateParam, ...]) -> T.Type | None:
        name = text.strip()
        if self.b.is_type_param(name) or any(p.name == name and p.kind == "type" for p in tparams):
            return T.TypeParam(name)
        if name in self.typedefs:
            return self.typedefs[name]
        short = name.rsplit("::", 1)[-1]
        if short in self.typedefs:
            return self.typedefs[short]
        known = cnames.scalar_type(name)
        if known is not None:
            return known
        macro = self.macros.get(name)
        if macro is not None and macro.params is None and macro.body and name not in self.expanding:
            self.expanding += (name,)
            try:
                return self.named_type(macro.body, tparams)
            finally:
                self.expanding = self.expanding[:-1]
        if short in self.b.structs:
            return T.Named(short)
        return None

    def type_descriptor(self, node: Node) -> T.Type:
        base = self.base_type(node) or T.UNKNOWN
        base = self.apply_const(node, base)
        declarator = node.child_by_field_name("declarator")
        _, type_ = self.apply_declarator(declarator, base, ())
        return type_

    def apply_const(self, decl: Node, base: T.Type) -> T.Type:
        """``base`` marked with the declaration's const/volatile (they move onto a pointee)."""
        quals = {self.text(c) for c in decl.children if c.type == "type_qualifier"}
        if not quals & {"const", "volatile"}:
            return base
        return _Qualified(base, "const" in quals, "volatile" in quals)

    def declared_type(self, decl: Node, declarator: Node | None,
                      tparams: tuple[TemplateParam, ...] = ()) -> tuple[str | None, T.Type | None]:
        """(name, type) of one declarator of a declaration; the type is None for ``auto``."""
        base = self.base_type(decl, tparams)
        if base is None:
            name, _ = self.apply_declarator(declarator, T.UNKNOWN, tparams)
            return name, None
        base = self.apply_const(decl, base)
        name, type_ = self.apply_declarator(declarator, base, tparams)
        return name, _strip_const(type_)

    def apply_declarator(self, node: Node | None, type_: T.Type,
                         tparams: tuple[TemplateParam, ...]) -> tuple[str | None, T.Type]:
        while node is not None:
            kind = node.type
            if kind in ("identifier", "field_identifier", "type_identifier"):
                return self.text(node), type_
            if kind in ("pointer_declarator", "abstract_pointer_declarator"):
                quals = {self.text(c) for c in node.children if c.type == "type_qualifier"}
                restrict = bool(quals & {"__restrict__", "__restrict", "restrict"})
                type_ = _pointer(type_, restrict)
            elif kind in ("array_declarator", "abstract_array_declarator"):
                size = node.child_by_field_name("size")
                type_ = _array(type_, self.array_extent(size, tparams))
            elif kind in ("function_declarator", "abstract_function_declarator"):
                inner_name, _ = self.apply_declarator(node.child_by_field_name("declarator"), type_, tparams)
                return inner_name, T.Named("function")
            elif kind == "init_declarator":
                node = node.child_by_field_name("declarator")
                continue
            elif kind not in ("reference_declarator", "abstract_reference_declarator",
                              "parenthesized_declarator", "abstract_parenthesized_declarator"):
                return None, type_
            node = inner_declarator(node)
        return None, type_

    def array_extent(self, size: Node | None, tparams: tuple[TemplateParam, ...]) -> int | str | None:
        if size is None:
            return None
        text = self.text(size)
        known = self.macro_values() | self.const_values()
        value = cexpr.try_evaluate(text, known)
        if value is not None:
            return value
        return cexpr.normalize(cexpr.expand(text, known))

    def const_values(self) -> dict[str, str]:
        """File-scope ``const``/``constexpr`` integers and enumerators, as macro-like texts."""
        return {name: str(value) for name, value in self.const_ints.items()}



@dataclass(frozen=True, slots=True)
class _Qualified(T.Type):
    """A type with const/volatile from the declaration, until a pointer declarator takes them."""

    inner: T.Type
    const: bool
    volatile: bool

    def __str__(self) -> str:
        return str(self.inner)


def _pointer(pointee: T.Type, restrict: bool) -> T.Type:
    """A pointer to ``pointee``; the declaration's const/volatile qualify what it points to."""
    if isinstance(pointee, _Qualified):
        return T.Pointer(pointee.inner, pointee.const, restrict, pointee.volatile)
    return T.Pointer(pointee, False, restrict)


def _array(elem: T.Type, extent: int | str | None) -> T.Type:
    qualified = elem if isinstance(elem, _Qualified) else None
    inner = elem.inner if qualified else elem
    if isinstance(inner, T.Array):
        result: T.Type = T.Array(inner.elem, (extent, *inner.dims))
    else:
        result = T.Array(inner, (extent,))
    return _Qualified(result, qualified.const, qualified.volatile) if qualified else result


def _strip_const(t: T.Type) -> T.Type:
    while isinstance(t, _Qualified):
        t = t.inner
    if isinstance(t, T.Array) and isinstance(t.elem, _Qualified):
        return T.Array(_strip_const(t.elem), t.dims)
    return t


def inner_declarator(node: Node) -> Node | None:
    inner = node.child_by_field_name("declarator")
    if inner is not None:
        return inner
    named = [c for c in node.children if c.is_named and c.type != "type_qualifier"]
    return named[-1] if named else None


def _squash(text: str) -> str:
    return " ".join(text.split())
