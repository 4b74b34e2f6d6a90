"""The tree-sitter IR frontend: CUDA text -> :class:`porter.ir.Module`, with no headers at all.

It is the fallback for files libclang cannot parse. What libclang gets from the compiler, this
frontend recovers from the file itself: ``#if`` branches are evaluated with the file's macros,
object-like and function-like macros are expanded where device code uses them (by parsing the
substituted text), typedefs and struct fields are read from their declarations.

This module handles the file level (preprocessor, functions, globals, types);
:mod:`porter.frontends.ts_body` builds statements and expressions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from porter.frontends import headers
from porter.frontends.ir_builder import IRBuilder, Signature, default_kind
from porter.frontends.prelude import PREDEFINED
from porter.frontends.treesitter import Node, parse_bytes
from porter.frontends.ts_body import BodyBuilder
from porter.frontends.ts_types import TypeReader, inner_declarator

from porter.diagnostics import Span
from porter.ir import cexpr, cnames
from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.instantiate import instantiate_module
from porter.ir.module import (
    KERNEL,
    Function,
    GlobalVar,
    Instantiation,
    Launch,
    LaunchBounds,
    Module,
    Param,
    TemplateParam,
)
from porter.source import SourceFile

_DEVICE_WORDS = {"__global__", "__device__", "__host__"}
_ATTR_WORDS = {"__forceinline__": "forceinline", "__noinline__": "noinline"}
_SKIP_TOP = {"comment", ";", "preproc_include", "preproc_call", "{", "}", "using_declaration",
             "alias_declaration", "static_assert_declaration", "namespace_alias_definition"}


@dataclass(frozen=True)
class Macro:
    name: str
    params: tuple[str, ...] | None
    body: str


@dataclass
class HeaderFacts:
    """What a project header declares for the files that include it (read by tree-sitter, which
    does not preprocess): its macros, typedefs, structs, integer constants, globals and function
    signatures (whose spans are in the header: a function the includer calls but that no IR of
    the header defines stays a bodiless declaration), including those of the headers it includes."""

    macros: dict[str, Macro] = field(default_factory=dict)
    typedefs: dict[str, T.Type] = field(default_factory=dict)
    structs: dict[str, dict[str, T.Type]] = field(default_factory=dict)
    const_ints: dict[str, int] = field(default_factory=dict)
    globals: dict[str, GlobalVar] = field(default_factory=dict)
    signatures: dict[str, list[Signature]] = field(default_factory=dict)


class TreeSitterIR(BodyBuilder, TypeReader):
    def __init__(self, source: SourceFile):
        self.source = source
        self.b = IRBuilder(source, "treesitter")
        self.context = headers.context_of(source)
        self.macros: dict[str, Macro] = {k: Macro(k, None, v) for k, v in PREDEFINED.items()}
        for name, value in self.context.defines:  # -D, then -U, as the compiler applies them
            self.macros[name] = Macro(name, None, value)
        for name in self.context.undefines:
            self.macros.pop(name, None)
        self.typedefs: dict[str, T.Type] = {}
        self.const_ints: dict[str, int] = {}
        self.data = _mask_attributes(source.data)
        self.override: Span | None = None
        self.expanding: tuple[str, ...] = ()

    # ------------------------------------------------------------------ text and spans

    def text(self, node: Node) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8", errors="replace")

    def span(self, node: Node) -> Span:
        if self.override is not None:
            return self.override
        return self.source.span(node.start_byte, node.end_byte)

    def macro_values(self) -> dict[str, str]:
        return {m.name: m.body for m in self.macros.values() if m.params is None}

    # ------------------------------------------------------------------ driver

    def build(self) -> Module:
        root = parse_bytes(self.data).root_node
        items = list(self.active_children(root))
        for node in items:
            self.collect(node)
        for node in items:
            self.item(node)
        self.find_launches(root)
        return instantiate_module(self.b.finish(self.source.name))

    # ------------------------------------------------------------------ preprocessor

    def active_children(self, node: Node):
        """``node``'s children with ``#if`` branches chosen, namespaces opened, macros recorded."""
        for child in node.children:
            kind = child.type
            if kind == "preproc_def":
                self.define(child, None)
            elif kind == "preproc_function_def":
                params = child.child_by_field_name("parameters")
                names = tuple(self.text(p) for p in params.children if p.type == "identifier") if params else ()
                self.define(child, names)
            elif kind == "preproc_call":
                self.directive(child)
            elif kind == "preproc_include":
                self.include(child)
            elif kind in ("preproc_if", "preproc_ifdef"):
                yield from self.active_children_of_branch(child)
            elif kind in ("namespace_definition", "linkage_specification"):
                body = child.child_by_field_name("body")
                if body is None:
                    continue
                if body.type == "declaration_list":
                    yield from self.active_children(body)
                else:
                    yield body
            elif kind in _SKIP_TOP or (kind.startswith("#") and child.child_count == 0):
                continue
            else:
                yield child

    def define(self, node: Node, params: tuple[str, ...] | None) -> None:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        if name is None:
            return
        body = self.text(value).strip() if value is not None else ""
        body = _strip_comments(re.sub(r"\\\n", " ", body))
        self.macros[self.text(name)] = Macro(self.text(name), params, body)

    def include(self, node: Node) -> None:
        """A project header's declarations, from the point of its ``#include`` on."""
        path = node.child_by_field_name("path")
        if path is None or path.type not in ("string_literal", "system_lib_string"):
            return
        spelling = self.text(path)[1:-1].strip()
        folder = str(self.source.path.resolve().parent) if self.source.path is not None else None
        found = headers.resolve(spelling, path.type == "string_literal", folder, self.context)
        facts = headers.header_facts(found, self.context) if found is not None else None
        if facts is not None:
            self.absorb(facts)

    def absorb(self, facts: HeaderFacts) -> None:
        self.macros.update(facts.macros)
        self.typedefs.update(facts.typedefs)
        self.const_ints.update(facts.const_ints)
        for name, fields in facts.structs.items():
            self.b.structs.setdefault(name, fields)
        for name, var in facts.globals.items():
            self.b.globals.setdefault(name, var)  # for name lookup; the module lists the file's own
        for signatures in facts.signatures.values():
            for signature in signatures:
                self.b.add_signature(signature)

    def facts(self) -> HeaderFacts:
        """What this file, read as a header, declares for its includers (after :meth:`collect`)."""
        signatures = {name: kept for name, found in self.b.signatures.items()
                      if (kept := [s for s in found if s.kind != KERNEL])}  # kernels are not called
        return HeaderFacts(dict(self.macros), dict(self.typedefs), dict(self.b.structs), dict(self.const_ints),
                           dict(self.b.globals), signatures)

    def directive(self, node: Node) -> None:
        directive = node.child_by_field_name("directive")
        argument = node.child_by_field_name("argument")
        if directive is not None and self.text(directive) == "#undef" and argument is not None:
            self.macros.pop(self.text(argument).strip(), None)

    def active_children_of_branch(self, node: Node):
        chosen = self.choose_branch(node)
        if chosen is not None:
            yield from self.active_children(chosen)

    def choose_branch(self, node: Node) -> Node | None:
        """The branch of an ``#if``/``#ifdef`` chain that is compiled, as a pseudo-container."""
        while node is not None:
            if node.type == "preproc_else":
                return _Branch(node, skip_first=True)
            if self.condition_holds(node):
                return _Branch(node, skip_first=False)
            node = node.child_by_field_name("alternative")
        return None

    def condition_holds(self, node: Node) -> bool:
        if node.type in ("preproc_ifdef", "preproc_elifdef"):
            name = node.child_by_field_name("name")
            defined = name is not None and self.text(name) in self.macros
            return defined != self.text(node.children[0]).endswith("ndef")
        condition = node.child_by_field_name("condition")
        if condition is None:
            return False
        try:
            return bool(cexpr.evaluate(self.text(condition), self.macro_values(), undefined_is_zero=True))
        except (cexpr.NotConstant, RecursionError):
            return False

    # ------------------------------------------------------------------ pass 1: declarations

    def collect(self, node: Node) -> None:
        """Record what bodies need before they are built: types, signatures, globals."""
        template = None
        if node.type == "template_declaration":
            template, node = node, _template_body(node)
            if node is None:
                return
        if node.type == "type_definition":
            self.typedef(node)
        elif node.type in ("struct_specifier", "class_specifier", "union_specifier"):
            self.struct(node)
        elif node.type == "enum_specifier":
            self.enum(node)
        elif node.type == "function_definition":
            self.signature(node, template)
        elif node.type == "declaration":
            self.collect_declaration(node, template)

    def typedef(self, node: Node) -> None:
        type_node = node.child_by_field_name("type")
        if type_node is not None and type_node.type in ("struct_specifier", "class_specifier"):
            self.struct(type_node)
        for declarator in node.children_by_field_name("declarator"):
            name, type_ = self.declared_type(node, declarator)
            if name:
                self.typedefs[name] = type_

    def struct(self, node: Node) -> None:
        name = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name is None or body is None:
            return
        fields: dict[str, T.Type] = {}
        for decl in body.children:
            if decl.type != "field_declaration":
                continue
            for declarator in decl.children_by_field_name("declarator"):
                field_name, field_type = self.declared_type(decl, declarator)
                if field_name:
                    fields[field_name] = field_type
        self.b.structs[self.text(name)] = fields

    def enum(self, node: Node) -> None:
        body = node.child_by_field_name("body")
        if body is None:
            return
        value = -1
        for item in body.children:
            if item.type != "enumerator":
                continue
            name = self.text(item.child_by_field_name("name"))
            given = item.child_by_field_name("value")
            if given is not None:
                value = cexpr.try_evaluate(self.text(given), self.macro_values())
                if value is None:
                    continue
            else:
                value += 1
            span = self.span(item)
            self.const_ints[name] = value
            self.add_global(GlobalVar(name, T.I32, "const", span, N.Const(value, type=T.I32, span=span)))

    def add_global(self, var: GlobalVar) -> None:
        self.b.globals[var.name] = var
        self.b.global_list.append(var)

    def signature(self, node: Node, template: Node | None) -> None:
        kind = self.function_kind(node)
        declarator = _function_declarator(node.child_by_field_name("declarator"))
        if kind is None or declarator is None:
            return
        tparams = self.template_params(template)
        name = self.function_name(declarator)
        ret = self.return_type(node, tparams)
        params = self.params(declarator, tparams)
        self.b.add_signature(Signature(name, kind, ret, params, tparams, self.span(template or node)))

    def collect_declaration(self, node: Node, template: Node | None) -> None:
        words = self.specifier_words(node)
        function = _function_declarator(node.child_by_field_name("declarator"))
        if function is not None:
            self.signature(node, template)
            return
        space = ("constant" if "__constant__" in words else "shared" if "__shared__" in words
                 else "managed" if "__managed__" in words else "device" if "__device__" in words
                 else "const" if words & {"const", "constexpr"} else None)
        if space is None:
            return
        for declarator in node.children_by_field_name("declarator"):
            name, type_ = self.declared_type(node, declarator)
            if not name or (space == "const" and "constexpr" not in words and isinstance(type_, T.Pointer)):
                continue  # `const char* p`: the pointer itself is a host variable
            init = None
            value = declarator.child_by_field_name("value") if declarator.type == "init_declarator" else None
            if value is not None and value.type != "initializer_list" and space != "shared":
                init = self.expr(value)
                number = cexpr.try_evaluate(self.text(value), self.macro_values() | self.const_values())
                if number is not None and space == "const":
                    self.const_ints[name] = number
                if type_ is None:
                    type_ = init.type
            self.add_global(GlobalVar(name, type_ or T.UNKNOWN, space, self.span(declarator), init))

    # ------------------------------------------------------------------ pass 2: functions

    def item(self, node: Node) -> None:
        template = None
        outer = node
        if node.type == "template_declaration":
            template, node = node, _template_body(node)
            if node is None or node.type not in ("function_definition", "declaration"):
                self.b.host.append(self.span(outer))
                return
        if node.type == "function_definition" and self.function_kind(node) is not None:
            self.function(node, template, outer)
        elif node.type == "template_instantiation":
            self.instantiation(node)
        elif node.type == "declaration" and self.is_device_declaration(node):
            return
        elif node.type == "ERROR" and any(w in self.text(node) for w in ("__global__", "__device__")):
            self.b.diagnose("P0305", "device code here does not parse", self.span(node))
            self.b.host.append(self.span(node))
        else:
            self.b.host.append(self.span(outer))

    def is_device_declaration(self, node: Node) -> bool:
        words = self.specifier_words(node)
        return bool(words & {"__constant__", "__device__", "__shared__", "__managed__", "__global__"}) or (
            bool(words & {"const", "constexpr"}) and _function_declarator(node.child_by_field_name("declarator")) is None)

    def function(self, node: Node, template: Node | None, outer: Node) -> None:
        kind = self.function_kind(node)
        declarator = _function_declarator(node.child_by_field_name("declarator"))
        body = node.child_by_field_name("body")
        if declarator is None or body is None or body.type != "compound_statement":
            self.b.host.append(self.span(outer))
            return
        tparams = self.template_params(template)
        params = self.params(declarator, tparams)
        self.b.begin_function(kind, tparams, params)
        block = self.block(body)
        shared = self.b.end_function()
        words = self.specifier_words(node)
        attrs = tuple(v for k, v in _ATTR_WORDS.items() if k in words)
        self.b.functions.append(Function(
            self.function_name(declarator), kind, params, self.return_type(node, tparams), block,
            self.span(outer), shared, self.launch_bounds(node), tparams, (), attrs))
        if node.has_error:
            for error in _errors(node):
                self.b.diagnose("P0305", "device code here does not parse", self.span(error))

    def function_kind(self, node: Node) -> str | None:
        words = self.specifier_words(node)
        return default_kind("__global__" in words, "__device__" in words, "__host__" in words)

    def specifier_words(self, node: Node) -> set[str]:
        words = set()
        for child in node.children:
            if child.type in _DEVICE_WORDS or child.type in _ATTR_WORDS:
                words.add(child.type)
            elif child.type in ("type_qualifier", "storage_class_specifier", "virtual"):
                words.add(self.text(child))
            elif child.type == "attribute_specifier" or child.type == "attribute_declaration":
                continue
        return words

    def function_name(self, declarator: Node) -> str:
        name = declarator.child_by_field_name("declarator")
        if name is None:
            return "?"
        if name.type == "template_function":
            name = name.child_by_field_name("name")
        text = self.text(name)
        return text.rsplit("::", 1)[-1]

    def launch_bounds(self, node: Node) -> LaunchBounds | None:
        bounds = next((c for c in node.children if c.type == "launch_bounds"), None)
        if bounds is None:
            return None
        args = [c for c in bounds.children if c.is_named]
        values = [cexpr.try_evaluate(self.text(a), self.macro_values() | self.const_values()) for a in args]
        text = ", ".join(cexpr.normalize(self.text(a)) for a in args)
        return LaunchBounds(values[0] if values else None, values[1] if len(values) > 1 else None, text)

    def template_params(self, template: Node | None) -> tuple[TemplateParam, ...]:
        if template is None:
            return ()
        plist = template.child_by_field_name("parameters")
        out: list[TemplateParam] = []
        for param in plist.children if plist is not None else ():
            if param.type in ("type_parameter_declaration", "optional_type_parameter_declaration"):
                name = next((c for c in param.children if c.type == "type_identifier"), None)
                if name is None:
                    name = param.child_by_field_name("name")
                if name is not None:
                    out.append(TemplateParam(self.text(name), "type"))
            elif param.type in ("parameter_declaration", "optional_parameter_declaration"):
                declarator = param.child_by_field_name("declarator") or param.child_by_field_name("name")
                type_node = param.child_by_field_name("type")
                base = cnames.scalar_type(self.text(type_node)) if type_node is not None else None
                if declarator is not None:
                    out.append(TemplateParam(self.text(declarator), "value", base or T.I32))
        return tuple(out)

    def params(self, declarator: Node, tparams: tuple[TemplateParam, ...]) -> tuple[Param, ...]:
        plist = declarator.child_by_field_name("parameters")
        out: list[Param] = []
        for index, param in enumerate(c for c in (plist.children if plist else ()) if c.is_named):
            if param.type not in ("parameter_declaration", "optional_parameter_declaration"):
                continue
            inner = param.child_by_field_name("declarator")
            name, type_ = self.declared_type(param, inner, tparams)
            if type_ == T.VOID and inner is None:
                continue
            out.append(Param(name or f"arg{index}", type_ or T.UNKNOWN, self.span(param)))
        return tuple(out)

    def return_type(self, node: Node, tparams: tuple[TemplateParam, ...]) -> T.Type:
        declarator = node.child_by_field_name("declarator")
        base = self.base_type(node, tparams) or T.UNKNOWN
        # pointer return types wrap the function declarator: float* f(...)
        while declarator is not None and declarator.type in ("pointer_declarator", "reference_declarator"):
            if declarator.type == "pointer_declarator":
                base = T.Pointer(base)
            declarator = inner_declarator(declarator)
        return base

    # ------------------------------------------------------------------ host code

    def instantiation(self, node: Node) -> None:
        declarator = _function_declarator(node.child_by_field_name("declarator"))
        target = declarator.child_by_field_name("declarator") if declarator is not None else None
        if target is None or target.type != "template_function":
            return
        name = self.text(target.child_by_field_name("name")).rsplit("::", 1)[-1]
        args = self.template_args(target.child_by_field_name("arguments"))
        self.b.instantiations.append(Instantiation(name, args, self.span(node)))

    def find_launches(self, root: Node) -> None:
        from porter.frontends.treesitter import iter_nodes

        for call in iter_nodes(root, {"call_expression"}):
            config = next((c for c in call.children if c.type == "kernel_call_syntax"), None)
            function = call.child_by_field_name("function")
            if config is None or function is None:
                continue
            args: tuple[str, ...] = ()
            if function.type == "template_function":
                local = self.host_constants(call)
                args = self.template_args(function.child_by_field_name("arguments"), local)
                function = function.child_by_field_name("name")
            name = self.text(function).rsplit("::", 1)[-1]
            parts = tuple(_squash(self.text(c)) for c in config.children if c.is_named and c.type != "comment")
            self.b.launches.append(Launch(name, args, parts, self.span(call)))
            if args:
                self.b.instantiations.append(Instantiation(name, args, self.span(call)))

    def host_constants(self, node: Node) -> dict[str, str]:
        """``const``/``constexpr`` integer locals of the host function around ``node``."""
        function = node.parent
        while function is not None and function.type != "function_definition":
            function = function.parent
        found: dict[str, str] = {}
        if function is None:
            return found
        from porter.frontends.treesitter import iter_nodes

        macros = self.macro_values()
        for decl in iter_nodes(function, {"declaration"}):
            if not {"const", "constexpr"} & {self.text(c) for c in decl.children if c.type == "type_qualifier"}:
                continue
            for declarator in decl.children_by_field_name("declarator"):
                name = declarator.child_by_field_name("declarator")
                value = declarator.child_by_field_name("value")
                if declarator.type != "init_declarator" or name is None or value is None:
                    continue
                number = cexpr.try_evaluate(self.text(value), macros | found)
                if number is not None:
                    found[self.text(name)] = str(number)
        return found

    def template_args(self, arglist: Node | None, local: dict[str, str] | None = None) -> tuple[str, ...]:
        out: list[str] = []
        for arg in arglist.children if arglist is not None else ():
            if not arg.is_named:
                continue
            text = self.text(arg)
            value = cexpr.try_evaluate(text, self.macro_values() | self.const_values() | (local or {}))
            if value is not None:
                out.append(str(value))
            elif arg.type == "type_descriptor":
                out.append(str(self.type_descriptor(arg)))
            else:
                resolved = self.named_type(text.strip(), ())
                out.append(str(resolved) if resolved is not None else cexpr.normalize(text))
        return tuple(out)

class _Branch:
    """The statements of one ``#if`` branch, shaped like a node for :meth:`active_children`."""

    def __init__(self, node: Node, skip_first: bool):
        kids = []
        for index, child in enumerate(node.children):
            field = node.field_name_for_child(index)
            if field in ("condition", "name", "alternative"):
                continue
            if child.type.startswith("#") or child.type == "\n" or (skip_first and index == 0):
                continue
            kids.append(child)
        self.children = kids


def _function_declarator(node: Node | None) -> Node | None:
    while node is not None:
        if node.type == "function_declarator":
            return node
        if node.type not in ("pointer_declarator", "reference_declarator", "init_declarator",
                             "parenthesized_declarator"):
            return None
        node = inner_declarator(node)
    return None


def _template_body(node: Node) -> Node | None:
    return next((c for c in node.children if c.type in ("function_definition", "declaration",
                                                         "template_declaration", "struct_specifier",
                                                         "class_specifier", "alias_declaration")), None)


def _errors(node: Node) -> list[Node]:
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_error or current.is_missing:
            found.append(current)
        elif current.has_error:
            stack.extend(current.children)
    return found


def _squash(text: str) -> str:
    return " ".join(text.split())


_ATTRIBUTE = re.compile(rb"__align__\s*\(\s*[^()]*\)|alignas\s*\([^()]*\)|__declspec\s*\([^()]*\)|"
                        rb"__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\)")


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL)
    return re.sub(r"//.*", "", text).strip()


def _mask_attributes(data: bytes) -> bytes:
    """``data`` with alignment and GNU attributes blanked out (same length, so spans hold):
    tree-sitter-cuda does not know ``__align__(16)`` and misparses the declaration after it."""
    if b"__align__" not in data and b"__attribute__" not in data and b"alignas" not in data \
            and b"__declspec" not in data:
        return data
    return _ATTRIBUTE.sub(lambda m: re.sub(rb"[^\n]", b" ", m.group(0)), data)


def build_module(source: SourceFile) -> Module:
    """The IR of ``source`` built from its tree-sitter parse."""
    return TreeSitterIR(source).build()


def read_header_facts(source: SourceFile) -> HeaderFacts:
    """The declarations of the header ``source`` (its function bodies are not built)."""
    reader = TreeSitterIR(source)
    for node in list(reader.active_children(parse_bytes(reader.data).root_node)):
        reader.collect(node)
    return reader.facts()
