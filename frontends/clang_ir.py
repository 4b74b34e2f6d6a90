"""The libclang IR frontend: a full semantic parse of the file, then the same IR as tree-sitter's.

libclang (the ``libclang`` wheel bundles libclang.so) parses ``-x cuda --cuda-host-only -nocudainc
-nocudalib -std=c++17`` with porter's CUDA prelude (:mod:`porter.frontends.prelude`) passed as an
unsaved file (compiled once per process into a precompiled header: :mod:`porter.frontends.clang_pch`).
Project headers (found beside the including file or on the project's include path:
:mod:`porter.frontends.headers`) are parsed for real, with the project's ``-I``/``-D``/``-U``/``-std``
(:class:`porter.project.ProjectContext`); every other include becomes an empty unsaved file, so no
toolkit or system header is read. Errors clang reports inside a project header are kept as P0052
warnings (declarations there may be missing). Macros are expanded by clang. Types of declarations come from
clang; expression types come from :mod:`porter.ir.build`, as in the tree-sitter frontend.

This module handles the file level; :mod:`porter.frontends.clang_body` builds bodies.
"""

from __future__ import annotations

import os
import re
from functools import cache

from porter.frontends import clang_api as api
from porter.frontends import clang_pch
from porter.frontends import headers
from porter.frontends.clang_body import ClangBodyBuilder, TooDeep
from porter.frontends.ir_builder import IRBuilder, Signature, default_kind
from porter.frontends.prelude import INCLUDE_DIR, PRELUDE_NAME, prelude_text

from porter import diagnostics, limits
from porter.diagnostics import Span
from porter.ir import cexpr, cnames
from porter.ir import nodes as N
from porter.ir import types as T
from porter.ir.instantiate import instantiate_module
from porter.ir.module import (
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

ARGS = ["-x", "cuda", "--cuda-host-only", "-nocudainc", "-nocudalib", "-std=c++17", "-nostdinc",
        "-nostdinc++", "-Wno-unknown-cuda-version", "-ferror-limit=0", "-fno-spell-checking"]
_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+(.+?)[ \t]*$", re.MULTILINE)
_FUNCTION_KINDS = {"FUNCTION_DECL", "FUNCTION_TEMPLATE", "CXX_METHOD"}
_CONTAINERS = {"NAMESPACE", "LINKAGE_SPEC", "UNEXPOSED_DECL"}


class ClangUnavailable(RuntimeError):
    pass


class ClangIR(ClangBodyBuilder):
    def __init__(self, source: SourceFile):
        self.source = source
        self.b = IRBuilder(source, "clang")
        self.file_name = _main_name(source)
        self.context = headers.context_of(source)
        self.includes = headers.scan_includes(source)
        self.macros = self.context.macros()
        for path in self.includes.headers:  # macros of project headers, for launch bounds and template args
            facts = headers.header_facts(path, self.context)
            if facts is not None:
                self.macros.update({m.name: m.body for m in facts.macros.values() if m.params is None})
        self.macros.update({m.group(1): m.group(2) for m in _DEFINE.finditer(source.text)})
        self.header_errors: list = []  # clang's errors inside project headers
        self.tparams: tuple[TemplateParam, ...] = ()
        self.errors: list[tuple[int, str]] = []  # (byte offset, message) of clang's errors
        self.main_files: dict[int, bool] = {}
        self.depth = 0  # of the statement and expression walk (clang_body's limit)

    # ------------------------------------------------------------------ text and spans

    def in_main(self, cursor) -> bool:
        key, _, file = api.expansion(cursor.location)
        return file is not None and self.is_main_key(key, file)

    def offsets(self, cursor) -> tuple[int, int]:
        """Byte range of ``cursor`` in the main file ((0, 0) when it lies elsewhere)."""
        extent = cursor.extent
        key, start, file = api.expansion(extent.start)
        if file is None or not self.is_main_key(key, file):
            return 0, 0
        end = api.expansion(extent.end)[1]
        return start, max(end, start)

    def is_main_key(self, key: int, handle) -> bool:
        """Whether the file of ``key`` (:func:`api.file_key`; ``handle`` its libclang handle) is the main file."""
        known = self.main_files.get(key)
        if known is None:
            known = self.main_files[key] = api.cindex().File(handle).name == self.file_name
        return known

    def span(self, cursor) -> Span:
        start, end = self.offsets(cursor)
        return self.source.span(start, end)

    def text(self, cursor) -> str:
        start, end = self.offsets(cursor)
        return self.source.data[start:end].decode("utf-8", errors="replace")

    # ------------------------------------------------------------------ driver

    def parse(self):
        ci = api.cindex()
        unsaved = [(self.file_name, self.source.text), (PRELUDE_NAME, prelude_text())]
        unsaved += [(f"{INCLUDE_DIR}/{name}", "") for name in self.includes.blank]
        base = [f"-std={self.context.std}" if a.startswith("-std=") and self.context.std else a for a in ARGS]
        args = [*base, *self.context.clang_args(), "-I", INCLUDE_DIR]
        try:
            with api.parse_here():  # on porter's deep stack, not libclang's 8 MB thread
                pch = clang_pch.prelude_pch(tuple(args))  # the prelude, compiled once (clang_pch)
                if pch is not None:
                    tu = api.index().parse(self.file_name, args=[*args, "-include-pch", pch], unsaved_files=unsaved,
                                           options=ci.TranslationUnit.PARSE_INCOMPLETE)
                    if not any(d.severity >= 4 for d in tu.diagnostics):
                        return tu
                    # a fatal error (a missing header, or a PCH clang would not load): parse as
                    # without the PCH, so that what clang reports is what it reports there
                return api.index().parse(self.file_name, args=[*args, "-include", PRELUDE_NAME],
                                         unsaved_files=unsaved, options=ci.TranslationUnit.PARSE_INCOMPLETE)
        except ci.TranslationUnitLoadError as error:
            raise ClangUnavailable(f"libclang could not parse {self.source.name}: {error}") from None

    def build(self) -> Module:
        tu = self.parse()
        project_headers = set(self.includes.headers)
        for diag in tu.diagnostics:
            if diag.severity >= 3 and diag.location.file is not None \
                    and diag.location.file.name == self.file_name:
                self.errors.append((diag.location.offset, diag.spelling))
            elif diag.severity >= 3 and diag.location.file is not None \
                    and os.path.realpath(diag.location.file.name) in project_headers:
                self.header_errors.append((os.path.realpath(diag.location.file.name), diag.location.line,
                                           diag.location.offset,
                                           diag.spelling))
        self.seed_from_headers()
        items = list(self.top_level(tu.cursor))
        try:
            for cursor in items:
                self.collect(cursor)
            for cursor in items:
                self.item(cursor)
        except TooDeep as deep:
            self.errors = []
            message = (f"code nested more than {limits.MAX_CLANG_DEPTH} levels deep once its macros are "
                       "expanded (porter's limit); porter does not translate this file")
            return Module(self.source.name, "clang", diagnostics=(diagnostics.make("P0032", message, deep.span),))
        self.find_instantiations(tu)
        return instantiate_module(self.b.finish(self.source.name))

    def seed_from_headers(self) -> None:
        """Project headers' structs, globals and function signatures, for the bodies of this file
        (clang parsed the headers; porter's builder needs their declarations by name)."""
        for path in self.includes.headers:
            facts = headers.header_facts(path, self.context)
            if facts is None:
                continue
            for name, fields in facts.structs.items():
                self.b.structs.setdefault(name, fields)
            for name, var in facts.globals.items():
                self.b.globals.setdefault(name, var)
            for signatures in facts.signatures.values():
                for signature in signatures:
                    self.b.add_signature(signature)
        first: dict[str, tuple[int, int, str, int]] = {}
        for file, line, offset, message in self.header_errors:
            known = first.get(file)
            first[file] = (*known[:3], known[3] + 1) if known else (line, offset, message, 1)
        for file, (line, offset, message, count) in first.items():
            span = Span(file, offset, offset, line, 1, line, 1)
            more = f" (and {count - 1} more)" if count > 1 else ""
            self.b.diagnose("P0052", f"libclang could not parse all of the project header {file}: line {line}: "
                            f"{message}{more}; what it declares there is missing from the IR", span)

    def top_level(self, cursor):
        for child in api.children(cursor):
            if not self.in_main(child):
                continue
            if child.kind.name in _CONTAINERS:
                yield from self.top_level(child)
            else:
                yield child

    # ------------------------------------------------------------------ pass 1

    def collect(self, cursor) -> None:
        kind = cursor.kind.name
        if kind in ("STRUCT_DECL", "CLASS_DECL", "UNION_DECL"):
            self.struct(cursor)
        elif kind == "TYPEDEF_DECL":
            for child in api.children(cursor):
                if child.kind.name in ("STRUCT_DECL", "CLASS_DECL"):
                    self.struct(child)
        elif kind == "ENUM_DECL":
            for item in api.children(cursor):
                if item.kind.name == "ENUM_CONSTANT_DECL":
                    span = self.span(item)
                    const = N.Const(item.enum_value, type=T.I32, span=span)
                    self.add_global(GlobalVar(item.spelling, T.I32, "const", span, const))
        elif kind in _FUNCTION_KINDS:
            self.signature(cursor)
        elif kind == "VAR_DECL":
            self.global_var(cursor)

    def struct(self, cursor) -> None:
        if not cursor.spelling:
            return
        fields = {}
        for child in api.children(cursor):
            if child.kind.name == "FIELD_DECL":
                fields[child.spelling] = self.ctype(child.type)
        if fields or cursor.is_definition():
            self.b.structs[_short(cursor.spelling)] = fields

    def add_global(self, var: GlobalVar) -> None:
        self.b.globals[var.name] = var
        self.b.global_list.append(var)

    def function_kind(self, cursor) -> str | None:
        attrs = {c.kind.name for c in api.children(cursor)}
        return default_kind("CUDAGLOBAL_ATTR" in attrs, "CUDADEVICE_ATTR" in attrs, "CUDAHOST_ATTR" in attrs)

    def signature(self, cursor) -> None:
        kind = self.function_kind(cursor)
        if kind is None or cursor.kind.name == "CXX_METHOD":
            return
        self.tparams = self.template_params(cursor)
        params = self.params(cursor)
        ret = self.ctype(cursor.result_type) if cursor.kind.name != "FUNCTION_TEMPLATE" else self.template_ret(cursor)
        self.b.add_signature(Signature(cursor.spelling, kind, ret, params, self.tparams, self.span(cursor)))
        self.tparams = ()

    def template_ret(self, cursor) -> T.Type:
        # a function template's result_type is not exposed; its type spelling is "R (params)"
        spelling = cursor.type.spelling
        head = spelling.split("(", 1)[0].strip()
        return self.type_from_spelling(head)

    def global_var(self, cursor) -> None:
        attrs = {c.kind.name for c in api.children(cursor)}
        head = self.text(cursor).split("=", 1)[0]
        space = ("constant" if "CUDACONSTANT_ATTR" in attrs else "shared" if "CUDASHARED_ATTR" in attrs
                 else "managed" if "__managed__" in head
                 else "device" if "CUDADEVICE_ATTR" in attrs else None)
        if space is None and (cursor.type.is_const_qualified() or self.tokens_start(cursor, "constexpr")):
            space = "const"
        if space is None:
            return
        init_cursor = api.var_init(cursor)
        init = None
        if init_cursor is not None and init_cursor.kind.name != "INIT_LIST_EXPR" and space != "shared":
            init = self.expr(init_cursor)
            number = api.evaluate_int(init_cursor) if space == "const" else None
            if number is not None:
                self.macros[cursor.spelling] = str(number)
        type_ = self.decl_type(cursor, init)
        self.add_global(GlobalVar(cursor.spelling, type_, space, self.span(cursor), init))

    def tokens_start(self, cursor, word: str) -> bool:
        text = self.text(cursor)
        return text.startswith(word) or f" {word} " in text.split("=", 1)[0]

    # ------------------------------------------------------------------ pass 2

    def item(self, cursor) -> None:
        kind = cursor.kind.name
        if kind in _FUNCTION_KINDS and self.function_kind(cursor) is not None:
            if cursor.is_definition():
                self.function(cursor)
            return
        if kind == "VAR_DECL" and cursor.spelling in self.b.globals:
            return
        if kind in ("FUNCTION_DECL", "FUNCTION_TEMPLATE") and not cursor.is_definition():
            self.b.host.append(self.span(cursor))
            return
        self.b.host.append(self.span(cursor))
        if kind in ("FUNCTION_DECL", "FUNCTION_TEMPLATE", "CXX_METHOD") and "<<<" in self.text(cursor):
            self.find_launches(cursor)

    def function(self, cursor) -> None:
        kind = self.function_kind(cursor)
        self.tparams = self.template_params(cursor)
        params = self.params(cursor)
        body = next((c for c in api.children(cursor) if c.kind.name == "COMPOUND_STMT"), None)
        if body is None:
            self.tparams = ()
            return
        ret = self.ctype(cursor.result_type) if cursor.kind.name != "FUNCTION_TEMPLATE" else self.template_ret(cursor)
        self.b.begin_function(kind, self.tparams, params)
        block = self.block(body)
        shared = self.b.end_function()
        attrs = tuple(a for a, word in (("forceinline", "__forceinline__"), ("noinline", "__noinline__"))
                      if word in self.head_text(cursor))
        self.b.functions.append(Function(cursor.spelling, kind, params, ret, block, self.span(cursor),
                                         shared, self.launch_bounds(cursor), self.tparams, (), attrs))
        self.tparams = ()
        if "<<<" in self.text(cursor):  # dynamic parallelism
            self.find_launches(cursor)

    def head_text(self, cursor) -> str:
        body = next((c for c in api.children(cursor) if c.kind.name == "COMPOUND_STMT"), None)
        start, _ = self.offsets(cursor)
        end = self.offsets(body)[0] if body is not None else self.offsets(cursor)[1]
        return self.source.data[start:end].decode("utf-8", errors="replace")

    def launch_bounds(self, cursor) -> LaunchBounds | None:
        head = self.head_text(cursor)
        match = re.search(r"__launch_bounds__\s*\(", head)
        if match is None:
            return None
        depth, index = 1, match.end()
        while index < len(head) and depth:
            depth += {"(": 1, ")": -1}.get(head[index], 0)
            index += 1
        inner = head[match.end():index - 1]
        args = _split_top(inner)
        values = [cexpr.try_evaluate(a, self.macros) for a in args]
        return LaunchBounds(values[0] if values else None, values[1] if len(values) > 1 else None,
                            ", ".join(cexpr.normalize(a) for a in args))

    def template_params(self, cursor) -> tuple[TemplateParam, ...]:
        out = []
        for child in api.children(cursor):
            kind = child.kind.name
            if kind == "TEMPLATE_TYPE_PARAMETER":
                out.append(TemplateParam(child.spelling, "type"))
            elif kind == "TEMPLATE_NON_TYPE_PARAMETER":
                out.append(TemplateParam(child.spelling, "value", self.ctype(child.type)))
        return tuple(out)

    def params(self, cursor) -> tuple[Param, ...]:
        out = []
        for index, child in enumerate(c for c in api.children(cursor) if c.kind.name == "PARM_DECL"):
            out.append(Param(child.spelling or f"arg{index}", self.ctype(child.type), self.span(child)))
        return tuple(out)

    # ------------------------------------------------------------------ host code

    def find_launches(self, cursor) -> None:
        for node in self.preorder(cursor):
            if node.kind.name != "CALL_EXPR":
                continue
            children = list(api.children(node))
            config = next((c for c in children if c.kind.name == "CALL_EXPR"
                           and c.spelling == "__cudaPushCallConfiguration"), None)
            if config is None or not children:
                continue
            callee = api.callee_ref(children[0])
            if callee is None:
                continue
            name = callee.spelling
            written = self.text(children[0])  # the callee as written, with its <template args>
            args = self.explicit_template_args(callee, written) if "<" in written else ()
            parts = self.launch_config(node, name)
            self.b.launches.append(Launch(name, args, parts, self.span(node)))
            if args:
                self.b.instantiations.append(Instantiation(name, args, self.span(node)))

    def preorder(self, cursor):
        """``cursor`` and its descendants, depth first (an explicit stack: no recursion)."""
        stack = [(cursor, 0)]
        while stack:
            node, depth = stack.pop()
            if depth > limits.MAX_CLANG_DEPTH:
                raise TooDeep(self.span(node))
            yield node
            stack.extend((child, depth + 1) for child in reversed(list(api.children(node))))

    def launch_config(self, call, name: str) -> tuple[str, ...]:
        """The ``<<<...>>>`` arguments as written; a launch inside a macro argument
        (``TIME(k<<<g, b>>>(x))``) is found in the text after the macro's name."""
        text = self.text(call)
        if "<<<" not in text:
            start = self.offsets(call)[0]
            window = self.source.data[start:start + 2000].decode("utf-8", errors="replace")
            found = re.search(rf"\b{re.escape(name)}\s*(?:<[^;]*?>)?\s*<<<(.*?)>>>", window, re.DOTALL)
            text = f"<<<{found.group(1)}>>>" if found else ""
        inner = text[text.find("<<<") + 3:text.find(">>>")] if "<<<" in text else ""
        inner = re.sub(r"/\*.*?\*/|//[^\n]*", " ", inner, flags=re.DOTALL)
        return tuple(" ".join(a.split()) for a in _split_top(inner, angle=False))

    def explicit_template_args(self, ref, written: str) -> tuple[str, ...]:
        target = ref.referenced
        count = target.get_num_template_arguments() if target is not None else 0
        out = []
        for index in range(max(count, 0)):
            kind = target.get_template_argument_kind(index).name
            if kind == "TYPE":
                out.append(str(self.ctype(target.get_template_argument_type(index))))
            elif kind == "INTEGRAL":
                value = target.get_template_argument_value(index)
                if value == -1 and target.get_template_argument_unsigned_value(index) == 1:
                    value = 1  # a bool: a 1-bit integer, whose signed reading of `true` is -1
                out.append(str(value))
        if not out:  # inside a template the callee is dependent: read the written arguments
            inner = written[written.find("<") + 1:written.rfind(">")]
            return tuple(self.template_arg_text(a) for a in _split_top(inner))
        return tuple(out)

    def find_instantiations(self, tu) -> None:
        """Explicit instantiations (libclang does not expose them as cursors): read the tokens."""
        for match in re.finditer(r"\btemplate\s+(?!<)([^;{]*?)\b(\w+)\s*<([^;{]*?)>\s*\(", self.source.text):
            name = match.group(2)
            args = tuple(self.template_arg_text(a) for a in _split_top(match.group(3)))
            start = len(self.source.text[:match.start()].encode("utf-8"))
            end = start + len(match.group(0).encode("utf-8"))
            self.b.instantiations.append(Instantiation(name, args, self.source.span(start, end)))

    def template_arg_text(self, text: str) -> str:
        value = cexpr.try_evaluate(text, self.macros)
        if value is not None:
            return str(value)
        name = text.strip()
        if name in self.macros:
            name = self.macros[name].strip()
        known = self.type_from_spelling(name)
        return cexpr.normalize(text) if isinstance(known, T.Named) and known.name == name else str(known)

    # ------------------------------------------------------------------ types

    def ctype(self, t) -> T.Type:
        kind = t.kind.name
        if kind == "POINTER":
            pointee = t.get_pointee()
            return T.Pointer(self.ctype(pointee), pointee.is_const_qualified(), t.is_restrict_qualified(),
                             pointee.is_volatile_qualified())
        if kind in ("LVALUEREFERENCE", "RVALUEREFERENCE"):
            return self.ctype(t.get_pointee())
        if kind in ("CONSTANTARRAY", "INCOMPLETEARRAY", "DEPENDENTSIZEDARRAY", "VARIABLEARRAY"):
            elem = self.ctype(t.element_type)
            if kind == "CONSTANTARRAY":
                extent: int | str | None = t.element_count
            elif kind == "INCOMPLETEARRAY":
                extent = None
            else:
                extent = _outer_extent(t.spelling)
            if isinstance(elem, T.Array):
                return T.Array(elem.elem, (extent, *elem.dims))
            return T.Array(elem, (extent,))
        if kind == "AUTO":
            return T.UNKNOWN
        return self.type_from_spelling(t.spelling, t)

    def type_from_spelling(self, spelling: str, t=None) -> T.Type:
        name = _unqualified(spelling)
        if any(p.name == name and p.kind == "type" for p in self.tparams):
            return T.TypeParam(name)
        known = cnames.scalar_type(name)
        if known is not None:
            return known
        if t is not None:
            canonical = t.get_canonical()
            if canonical.spelling != t.spelling and canonical.kind.name not in ("UNEXPOSED", "DEPENDENT"):
                return self.ctype(canonical)
        short = _short(name)
        known = cnames.scalar_type(short)
        if known is not None:
            return known
        return T.Named(short if short in self.b.structs else name)

    def decl_type(self, cursor, init: N.Expr | None) -> T.Type:
        if init is not None and re.match(r"^(?:(?:const|constexpr|static|__device__|__constant__)\s+)*auto\b",
                                         self.text(cursor)):
            return init.type
        return self.ctype(cursor.type)


def _outer_extent(spelling: str) -> int | str | None:
    match = re.search(r"\[([^\[\]]*)\]", spelling)
    if match is None:
        return None
    inner = match.group(1)
    value = cexpr.try_evaluate(inner)
    return value if value is not None else cexpr.normalize(inner)


def _unqualified(spelling: str) -> str:
    words = [w for w in spelling.replace("struct ", "").replace("class ", "").split()
             if w not in ("const", "volatile", "__restrict", "restrict", "typename")]
    return " ".join(words)


def _short(name: str) -> str:
    return name.rsplit("::", 1)[-1]


def _split_top(text: str, angle: bool = True) -> list[str]:
    """``text`` split at commas outside brackets (``<>`` count as brackets when ``angle``)."""
    opening, closing = ("(<[{", ")>]}") if angle else ("([{", ")]}")
    parts, depth, current = [], 0, []
    for char in text:
        if char in opening:
            depth += 1
        elif char in closing:
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def _main_name(source: SourceFile) -> str:
    if source.path is not None:
        return str(source.path.resolve())
    return "/__porter__/input.cu"


@cache
def available() -> bool:
    try:
        api.cindex()
        api.index()
    except Exception:  # noqa: BLE001 - any failure to load libclang means "not available"
        return False
    return True


def build_with_errors(source: SourceFile) -> tuple[Module, list[tuple[int, str]]]:
    """The IR of ``source`` from libclang, and clang's errors as (byte offset, message)."""
    if not available():
        raise ClangUnavailable("libclang is not installed")
    frontend = ClangIR(source)
    module = limits.run_deep(frontend.build)  # libclang parses on this thread: a deep stack
    return module, frontend.errors


def build_module(source: SourceFile) -> Module:
    """The IR of ``source`` from libclang; raises :class:`ClangUnavailable` without libclang."""
    return build_with_errors(source)[0]
