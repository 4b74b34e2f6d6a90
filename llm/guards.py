"""Static guards: per-target rules a candidate must pass before anything of it runs.

Python targets (triton, pallas, nki) are checked on the syntax tree against allow-lists
(:mod:`porter.llm.guard_tables`): what may be imported, which attributes of each module may be
reached, which builtins may be named. References are followed through every spelling: an import
alias, a name assigned from a module (``o = torch.cuda`` makes ``o`` that module), ``from m import
x``, ``getattr(m, "x", d)``; a module may be used only through its allowed attributes, never as a
value (passed, stored, returned). Values the guard cannot follow (parameters, locals, results) may
have only public, non-introspection attributes read, and no attribute of anything may be assigned.
HIP candidates (C++) are checked on the text.

Rule ids (reported as ``[id]``; a candidate with any rejection is refused, flags are shown only):

``source``  not text, over 1 MB, NUL bytes or lone surrogates;   ``syntax``  does not parse;
``depth``   nested too deeply (the guard never recurses on the input: it refuses it first);
``import``  a module outside the allow-list, star or relative imports;
``module-attr``  an attribute of a module outside its allow-list (``torch.os``, ``torch._C``,
``triton.runtime``, ``triton.testing``); ``library-call``  the same on a framework (compute) module;
``module-value``  a module used other than by its attributes; ``escape``  a refused builtin
(``exec``, ``eval``, ``__import__``, ``getattr`` beyond its constant form, ``type``, ...);
``dunder``  any dunder attribute, name or string (``x.__class__``, ``__name__``, ``"__main__"``);
``private-attr``  an underscore attribute of a value; ``introspection``  frames and code
(``gi_frame``, ``f_globals``, ``mro``); ``monkey-patch`` / ``timer-patch``  an attribute assigned
or deleted; ``module-cache``  state kept between calls (module-level mutable values other than
read-only and memo tables, ``global``/``nonlocal``, a walrus at module level, mutable defaults,
result caches); ``module-code``  module-level code other than imports, definitions, constants and
tables; ``class``  class definitions; ``del``  deleting a module-level name; ``try-except``  a
fallback (except porter's import-fallback shape); ``thread-or-stream``  threads, processes,
async, streams; ``marker``  the target's kernel marker is missing; ``guard-error``  the guard
itself failed (the candidate is refused). Flag: ``precision-cast``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from porter.llm import guard_tables as T

MAX_SOURCE = 1_000_000
MAX_DEPTH = 200  # syntax-tree levels; porter's own ports nest under 20


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    line: int = 0

    def __str__(self) -> str:
        return f"line {self.line}: [{self.rule}] {self.message}" if self.line else f"[{self.rule}] {self.message}"


@dataclass
class GuardResult:
    rejections: list[Finding] = field(default_factory=list)
    flags: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejections

    def reject(self, rule: str, message: str, line: int = 0) -> GuardResult:
        self.rejections.append(Finding(rule, message, line))
        return self


PYTHON_TARGETS = frozenset(T.MODULES)


def check_static(source: str, target: str, *, buffer_dtypes: frozenset[str] = frozenset({"float32"})) -> GuardResult:
    """The static verdict on a candidate; never raises for any ``source`` (an unknown target is a caller error)."""
    if target != "hip" and target not in T.MODULES:
        raise ValueError(f"no static rules for target {target!r}")
    result = GuardResult()
    try:
        problem = _source_problem(source)
        if problem:
            return result.reject("source", problem)
        if target == "hip":
            return check_hip(source)
        tree = _parse(source, result)
        if tree is not None:
            _PythonGuard(target, result, buffer_dtypes).run(tree)
    except Exception as error:  # noqa: BLE001 -- a failing guard refuses the candidate, never passes it
        result.reject("guard-error", f"the static guard failed ({type(error).__name__}: {str(error)[:200]}); "
                      "refused")
    return result


def _source_problem(source: object) -> str:
    if not isinstance(source, str):
        return f"the candidate is {type(source).__name__}, not text"
    if len(source) > MAX_SOURCE:
        return f"the candidate is {len(source):,} characters long (at most {MAX_SOURCE:,})"
    if "\x00" in source:
        return "the candidate holds a NUL character"
    try:
        source.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"the candidate holds a lone surrogate at character {error.start}"
    return ""


def _parse(source: str, result: GuardResult) -> ast.Module | None:
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        if "too many nested" in str(error.msg):
            result.reject("depth", "expression nested too deeply", error.lineno or 0)
        else:
            result.reject("syntax", str(error.msg)[:200], error.lineno or 0)
        return None
    except (RecursionError, MemoryError):
        result.reject("depth", "expression nested too deeply")
        return None
    except ValueError as error:
        result.reject("syntax", str(error)[:200])
        return None
    stack = [(tree, 1)]
    while stack:  # iterative: any depth is measured without recursion
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            result.reject("depth", f"expression nested too deeply (more than {MAX_DEPTH} levels)",
                          getattr(node, "lineno", 0))
            return None
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree


def dotted(node: ast.AST) -> str:
    """``a.b.c`` for a Name/Attribute chain, else ''."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _is_dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


MODULE, LEAF, VALUE = "module", "leaf", "value"
ESCAPE_DUNDERS = frozenset({"__import__", "__builtins__", "__build_class__", "__loader__", "__spec__"})


class _PythonGuard:
    """One pass over a parsed module (depth already bounded, so the few recursive helpers are safe)."""

    def __init__(self, target: str, result: GuardResult, buffer_dtypes: frozenset[str]):
        self.target = target
        self.modules = T.MODULES[target]
        self.result = result
        self.high_precision = not (buffer_dtypes & {"float16", "bfloat16"})
        self.aliases: dict[str, str] = {}  # name -> module it stands for
        self.leaves: dict[str, str] = {}  # name -> module.attribute it stands for (from-imports)
        self.tables: dict[str, ast.AST] = {}  # module-level mutable containers
        self.parent: dict[int, ast.AST] = {}
        self.kinds: dict[int, tuple[str, str]] = {}
        self.allowed_nodes: set[int] = set()  # nodes an allowance already accounts for
        self.marker_seen = False
        self.seen: set[tuple[str, str, int]] = set()

    def reject(self, rule: str, message: str, node: ast.AST | None = None) -> None:
        key = (rule, message, getattr(node, "lineno", 0))
        if key not in self.seen:
            self.seen.add(key)
            self.result.rejections.append(Finding(rule, message, key[2]))

    def flag(self, rule: str, message: str, node: ast.AST | None = None) -> None:
        self.result.flags.append(Finding(rule, message, getattr(node, "lineno", 0)))

    # -- the pass --------------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> None:
        self.tree = tree
        nodes = []
        stack: list[ast.AST] = [tree]
        while stack:
            node = stack.pop()
            nodes.append(node)
            for child in ast.iter_child_nodes(node):
                self.parent[id(child)] = node
                stack.append(child)
        self.nodes = nodes
        self.functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self._import(node)
        self._module_aliases(tree)
        self._module_level(tree)
        for node in nodes:
            handler = getattr(self, f"_{type(node).__name__}", None)
            if handler is not None:
                handler(node)
        self._alias_conflicts()
        if not self.marker_seen:
            self.reject("marker", f"no `{' or '.join(sorted(T.MARKERS[self.target]))}`: the candidate must define "
                        "the kernel itself")

    # -- imports and aliases -------------------------------------------------------------------------
    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if self._importable(alias.name, node):
                    bound = alias.asname or alias.name.split(".")[0]
                    self.aliases[bound] = alias.name if alias.asname else alias.name.split(".")[0]
                    if not alias.asname and bound not in self.modules:
                        self.reject("import", f"imports `{alias.name}`: `{bound}` itself is not allowed", node)
            return
        module = node.module or ""
        if node.level:
            self.reject("import", "relative import: candidates are one module", node)
            return
        if not self._importable(module, node):
            return
        for alias in node.names:
            if alias.name == "*":
                self.reject("import", f"`from {module} import *`: every name must be named", node)
                continue
            bound = alias.asname or alias.name
            path = f"{module}.{alias.name}"
            if path in self.modules:
                self.aliases[bound] = path
            elif self.modules[module].allows(alias.name) and not _is_dunder(alias.name):
                self.leaves[bound] = path
            else:
                self._refused_attr(module, alias.name, node, imported=True)

    def _importable(self, module: str, node: ast.AST) -> bool:
        root = module.split(".")[0]
        if module in self.modules:
            return True
        if root in T.THREAD_MODULES:
            self.reject("thread-or-stream", f"imports `{module}`: no threads, processes or async work", node)
        elif root in T.TIMER_MODULES:
            self.reject("timer-patch", f"imports `{module}`: the clock belongs to the harness", node)
        else:
            allowed = ", ".join(sorted(m for m in self.modules if not m.startswith(("jax._src", "porter"))))
            self.reject("import", f"imports `{module}`, outside the allowed {allowed}", node)
        return False

    def _module_aliases(self, tree: ast.Module) -> None:
        """``name = <module reference>`` anywhere: the name stands for that module too."""
        assigns = [n for n in self.nodes if isinstance(n, ast.Assign) and len(n.targets) == 1 and
                   isinstance(n.targets[0], ast.Name)]
        changed = True
        while changed:
            changed = False
            for node in assigns:
                kind, path = self._kind(node.value, report=False)
                name = node.targets[0].id
                if kind == MODULE and self.aliases.get(name) != path:
                    self.aliases[name] = path
                    self.allowed_nodes.add(id(node))
                    self.kinds.clear()
                    changed = True

    def _alias_conflicts(self) -> None:
        """A name that stands for a module must stand for nothing else anywhere in the module."""
        for node in self.nodes:
            names: list[tuple[str, ast.AST]] = []
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                parent = self.parent.get(id(node))
                if not (isinstance(parent, ast.Assign) and id(parent) in self.allowed_nodes):
                    names.append((node.id, node))
            elif isinstance(node, ast.arg):
                names.append((node.arg, node))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.append((node.name, node))
            elif isinstance(node, ast.ExceptHandler) and node.name:
                names.append((node.name, node))
            for name, where in names:
                if name in self.aliases:
                    self.reject("module-value", f"`{name}` names the module `{self.aliases[name]}` and also "
                                "other values", where)

    # -- what a reference resolves to -------------------------------------------------------------
    def _kind(self, node: ast.AST, report: bool = True) -> tuple[str, str]:
        """(MODULE, path) | (LEAF, path) | (VALUE, '') for an expression; reports refused steps."""
        key = id(node)
        if report and key in self.kinds:
            return self.kinds[key]
        found: tuple[str, str] = (VALUE, "")
        if isinstance(node, ast.Name):
            if node.id in self.aliases:
                found = (MODULE, self.aliases[node.id])
            elif node.id in self.leaves:
                found = (LEAF, self.leaves[node.id])
        elif isinstance(node, ast.Attribute):
            found = self._step(node.value, node.attr, node, report)
        elif isinstance(node, ast.Call) and self._constant_lookup(node):
            found = self._step(node.args[0], node.args[1].value, node, report)
        if report:
            self.kinds[key] = found
        return found

    def _step(self, base: ast.AST, attr: str, node: ast.AST, report: bool) -> tuple[str, str]:
        kind, path = self._kind(base, report)
        if kind == MODULE:
            rules = self.modules.get(path)
            full = f"{path}.{attr}"
            if rules is not None and rules.allows(attr):
                return (MODULE, full) if full in self.modules else (LEAF, full)
            if report:
                self._refused_attr(path, attr, node)
            return VALUE, ""
        if report:
            self._value_attr(attr, node)
        return (LEAF, f"{path}.{attr}") if kind == LEAF else (VALUE, "")

    def _refused_attr(self, module: str, attr: str, node: ast.AST, imported: bool = False) -> None:
        name = f"{module}.{attr}"
        called = isinstance(self.parent.get(id(node)), ast.Call) and self.parent[id(node)].func is node
        shown = f"`{name}()`" if called else f"`{name}`"
        rules = self.modules.get(module)
        if attr in T.STREAM_NAMES:
            self.reject("thread-or-stream", f"{shown}: no streams; the harness times the default stream", node)
        elif attr in T.TIMER_NAMES:
            self.reject("timer-patch", f"{shown}: the clock belongs to the harness", node)
        elif _is_dunder(attr):
            self.reject("dunder", f"{shown}: no dunder attributes", node)
        elif rules is not None and rules.framework and called:
            self.reject("library-call", f"{shown}: compute in the kernel, not in a framework or library op", node)
        else:
            self.reject("module-attr", f"{shown} is outside what `{module}` may be used for"
                        + (" (imported)" if imported else ""), node)

    def _value_attr(self, attr: str, node: ast.AST) -> None:
        if _is_dunder(attr):
            self.reject("dunder", f"`.{attr}`: no dunder attributes", node)
        elif attr.startswith("_"):
            self.reject("private-attr", f"`.{attr}`: no private attributes of values", node)
        elif attr in T.INTROSPECTION:
            self.reject("introspection", f"`.{attr}`: no frames, code or class hierarchies", node)

    def _constant_lookup(self, node: ast.Call) -> bool:
        """``getattr(x, "name")``, ``getattr(x, "name", default)``, ``hasattr(x, "name")``."""
        func = node.func
        if not (isinstance(func, ast.Name) and func.id in T.CONSTANT_LOOKUPS and func.id not in self.aliases):
            return False
        most = 3 if func.id == "getattr" else 2
        return (2 <= len(node.args) <= most and not node.keywords and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str) and not any(isinstance(a, ast.Starred) for a in node.args))

    def qualified(self, node: ast.AST) -> str:
        """The full dotted path of a module or leaf reference, else its text."""
        kind, path = self._kind(node)
        return path if kind != VALUE else dotted(node)

    # -- module level ------------------------------------------------------------------------------
    def _module_level(self, tree: ast.Module) -> None:
        for statement in tree.body:
            if isinstance(statement, (ast.Import, ast.ImportFrom, ast.FunctionDef)):
                continue
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
                continue  # a docstring
            if isinstance(statement, ast.Try) and self._import_fallback(statement):
                self.allowed_nodes.add(id(statement))
                continue
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None:
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                if all(isinstance(t, ast.Name) for t in targets):
                    self._module_value(targets, statement.value, statement)
                    continue
                if any(isinstance(t, ast.Attribute) for t in targets):
                    continue  # reported as a patch
            if isinstance(statement, (ast.ClassDef, ast.Try, ast.AsyncFunctionDef)):
                continue  # reported by their own rules
            self.reject("module-code", f"module-level `{type(statement).__name__.lower()}`: module level holds "
                        "only imports, definitions, constants and tables", statement)
        for name, node in self.tables.items():
            self._table_uses(name, node)

    def _module_value(self, targets: list[ast.Name], value: ast.AST, statement: ast.AST) -> None:
        if id(statement) in self.allowed_nodes:
            return  # a module alias
        if _is_container(value):
            for target in targets:
                self.tables[target.id] = statement
            inner = [v for v in _container_items(value) if _is_container(v)]
            if inner:
                self.reject("module-cache", f"module-level `{targets[0].id}` holds mutable containers: candidates "
                            "keep no state between calls", statement)
            for item in _container_items(value):
                self._static(item, targets[0].id, statement)
            return
        self._static(value, targets[0].id, statement)

    def _static(self, value: ast.AST, name: str, statement: ast.AST) -> None:
        """A module-level value runs no candidate code: constants, references, allowed constructors."""
        stack = [value]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Lambda):
                continue  # code, not a value computed at import
            if isinstance(node, ast.Call):
                callee = node.func
                while isinstance(callee, ast.Call):  # decorator factories: triton.autotune(...)(f)
                    stack.extend(callee.args + [k.value for k in callee.keywords])
                    callee = callee.func
                qualified = self.qualified(callee)
                if qualified not in T.MODULE_LEVEL_CALLS:
                    self.reject("module-cache", f"module-level `{name}` calls `{qualified or 'code'}` at import: "
                                "module level holds only constants, tables and definitions", statement)
                    return
                stack.extend(node.args + [k.value for k in node.keywords])
                continue
            if isinstance(node, (ast.Constant, ast.Name, ast.Attribute, ast.Tuple, ast.List, ast.Set, ast.Dict,
                                 ast.UnaryOp, ast.BinOp, ast.BoolOp, ast.Compare, ast.Subscript, ast.Slice,
                                 ast.JoinedStr, ast.FormattedValue, ast.IfExp, ast.Starred, ast.keyword,
                                 ast.Load, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)):
                stack.extend(ast.iter_child_nodes(node))
                continue
            self.reject("module-cache", f"module-level `{name}` computes a `{type(node).__name__}` at import: "
                        "module level holds only constants, tables and definitions", statement)
            return

    def _table_uses(self, name: str, definition: ast.AST) -> None:
        """A module-level table is read as ``T[key]`` / ``key in T``, or written as a memo only."""
        for node in self.nodes:
            if not (isinstance(node, ast.Name) and node.id == name) or self._defines(node, definition):
                continue
            parent = self.parent.get(id(node))
            if isinstance(parent, ast.Subscript) and parent.value is node:
                if isinstance(parent.ctx, ast.Load) or self._memo_write(parent, name):
                    continue
            elif isinstance(parent, ast.Compare) and node in parent.comparators and \
                    all(isinstance(op, (ast.In, ast.NotIn)) for op in parent.ops):
                continue
            elif self._in_decorator(node):
                continue
            self.reject("module-cache", f"module-level `{name}` is used as state (read it only as `{name}[key]`; "
                        f"write it only as a memo under `if key not in {name}:`): candidates keep no state between "
                        "calls", node)

    def _defines(self, node: ast.Name, definition: ast.AST) -> bool:
        return isinstance(node.ctx, ast.Store) and self.parent.get(id(node)) is definition

    def _memo_write(self, subscript: ast.Subscript, name: str) -> bool:
        statement = self.parent.get(id(subscript))
        if not (isinstance(statement, ast.Assign) and statement.targets == [subscript]):
            return False
        if not any(isinstance(n, ast.Name) for n in ast.walk(subscript.slice)):
            return False  # a constant key only tells a first call from the later ones
        key = ast.dump(subscript.slice)
        node: ast.AST | None = statement
        while node is not None and not isinstance(node, ast.FunctionDef):
            parent = self.parent.get(id(node))
            if isinstance(parent, ast.If) and node in parent.body and _tests_missing(parent.test, key, name):
                return True
            node = parent
        return False

    def _in_decorator(self, node: ast.AST) -> bool:
        child, parent = node, self.parent.get(id(node))
        while parent is not None:
            if isinstance(parent, ast.FunctionDef) and child in parent.decorator_list:
                return True
            child, parent = parent, self.parent.get(id(parent))
        return False

    def _import_fallback(self, node: ast.Try) -> bool:
        """porter's shape: ``try: <imports> except ImportError: <imports, constants, calls of what it imported>``."""
        if node.orelse or node.finalbody or len(node.handlers) != 1:
            return False
        handler = node.handlers[0]
        if not (isinstance(handler.type, ast.Name) and handler.type.id in ("ImportError", "ModuleNotFoundError")):
            return False
        if not all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in node.body):
            return False
        imported = {self.leaves.get(a.asname or a.name) and (a.asname or a.name)
                    for s in handler.body if isinstance(s, ast.ImportFrom) for a in s.names}
        for statement in handler.body:
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                continue
            if isinstance(statement, ast.Assign) and all(isinstance(t, ast.Name) for t in statement.targets) and \
                    isinstance(statement.value, ast.Constant):
                continue
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) and \
                    isinstance(statement.value.func, ast.Name) and statement.value.func.id in imported and \
                    all(isinstance(a, ast.Constant) for a in statement.value.args) and \
                    all(isinstance(k.value, ast.Constant) for k in statement.value.keywords):
                continue
            return False
        return True

    # -- per node ------------------------------------------------------------------------------------
    def _Name(self, node: ast.Name) -> None:
        name = node.id
        if name in ESCAPE_DUNDERS or (name in T.BUILTINS_REFUSED and not _is_dunder(name)):
            parent = self.parent.get(id(node))
            if isinstance(parent, ast.Call) and parent.func is node and self._constant_lookup(parent):
                return
            called = isinstance(parent, ast.Call) and parent.func is node
            self.reject("escape", f"`{name}()`: candidates may not reach around the harness" if called else
                        f"`{name}`: candidates may not reach around the harness", node)
        elif _is_dunder(name):
            self.reject("dunder", f"`{name}`: no dunder names (a candidate does not look at how it is run)", node)
        elif name in self.aliases and isinstance(node.ctx, ast.Load):
            self._module_use(node)

    def _Attribute(self, node: ast.Attribute) -> None:
        kind, path = self._kind(node)
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self._patch(node)
        elif kind == MODULE:
            self._module_use(node)

    def _module_use(self, node: ast.AST) -> None:
        """A module reference must be the base of an attribute (or an alias assignment's value)."""
        parent = self.parent.get(id(node))
        if isinstance(parent, ast.Attribute) and parent.value is node:
            return
        if isinstance(parent, ast.Assign) and id(parent) in self.allowed_nodes:
            return
        if isinstance(parent, ast.Call) and self._constant_lookup(parent) and parent.args[0] is node:
            return
        self.reject("module-value", f"`{dotted(node)}` is a module: use it only through its allowed attributes",
                    node)

    def _arg(self, node: ast.arg) -> None:
        if node.arg in T.BUILTINS_REFUSED or _is_dunder(node.arg):
            self.reject("escape", f"parameter `{node.arg}` shadows a refused builtin", node)

    def _alias(self, node: ast.alias) -> None:
        bound = node.asname or node.name.split(".")[0]
        if bound in T.BUILTINS_REFUSED or _is_dunder(bound):
            self.reject("escape", f"import binds `{bound}`", self.parent.get(id(node)))

    def _Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and _is_dunder(node.value.strip()):
            parent = self.parent.get(id(node))
            if isinstance(parent, ast.Call) and self._constant_lookup(parent) and parent.args[1] is node and \
                    self._kind(parent)[0] != VALUE:
                return  # an allowed module attribute (the allow-list names it)
            self.reject("dunder", f"the string {node.value.strip()!r}: no dunder names", node)

    def _patch(self, target: ast.Attribute) -> None:
        name = dotted(target) or f"<expression>.{target.attr}"
        root = name.split(".")[0]
        if target.attr in T.TIMER_NAMES or root in T.TIMER_MODULES:
            self.reject("timer-patch", f"assigns `{name}`: the clock belongs to the harness", target)
        else:
            self.reject("monkey-patch", f"assigns `{name}`: candidates assign no attributes", target)

    def _Try(self, node: ast.Try) -> None:
        if id(node) not in self.allowed_nodes:
            self.reject("try-except", "try/except: a candidate may not fall back to other code when its kernel "
                        "fails", node)

    _TryStar = _Try

    def _Global(self, node: ast.AST) -> None:
        self.reject("module-cache", "`global`/`nonlocal` state: candidates keep no state between calls", node)

    _Nonlocal = _Global

    def _NamedExpr(self, node: ast.NamedExpr) -> None:
        scope = self.parent.get(id(node))
        while scope is not None and not isinstance(scope, (ast.FunctionDef, ast.Lambda, ast.AsyncFunctionDef)):
            scope = self.parent.get(id(scope))
        if scope is None:
            self.reject("module-cache", f"`{node.target.id} := ...` at module level: candidates keep no state "
                        "between calls", node)

    def _ClassDef(self, node: ast.ClassDef) -> None:
        self.reject("class", f"class `{node.name}`: candidates define functions only (no state on classes)", node)

    def _Delete(self, node: ast.Delete) -> None:
        module_names = {t.id for s in self.tree.body if isinstance(s, (ast.Assign, ast.AnnAssign))
                        for t in (s.targets if isinstance(s, ast.Assign) else [s.target]) if isinstance(t, ast.Name)}
        module_names |= set(self.functions) | set(self.aliases) | set(self.leaves)
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id in module_names:
                self.reject("del", f"`del {target.id}`: module names stay as they are", node)

    def _AsyncFunctionDef(self, node: ast.AST) -> None:
        self.reject("thread-or-stream", "async code: no concurrent work", node)

    _Await = _AsyncFor = _AsyncWith = _AsyncFunctionDef

    def _FunctionDef(self, node: ast.FunctionDef) -> None:
        for decorator in node.decorator_list:
            name = self.qualified(decorator.func if isinstance(decorator, ast.Call) else decorator)
            if name in T.MARKERS[self.target]:
                self.marker_seen = True
            if name in T.CACHE_DECORATORS or name.split(".")[-1] in ("lru_cache", "cache", "cached_property"):
                if not (name in T.CACHE_DECORATORS and node in self.tree.body and self._plan_function(node)):
                    self.reject("module-cache", f"@{name}: memoized results (a cache is allowed only on a launch "
                                "plan: no kernel launch, no module but math in its closure)", node)
        self._defaults(node.args, node.name, node)

    def _Lambda(self, node: ast.Lambda) -> None:
        self._defaults(node.args, "lambda", node)

    def _defaults(self, args: ast.arguments, name: str, node: ast.AST) -> None:
        for default in args.defaults + args.kw_defaults:
            if default is not None and _is_container(default):
                self.reject("module-cache", f"mutable default argument in `{name}`", node)

    def _plan_function(self, function: ast.FunctionDef) -> bool:
        """The function and every module function it calls compute from their arguments only."""
        kernels = {n.name for n in self.functions.values() for d in n.decorator_list
                   if self.qualified(d.func if isinstance(d, ast.Call) else d) in T.MARKERS[self.target]}
        seen, stack = set(), [function]
        while stack:
            current = stack.pop()
            if current.name in seen:
                continue
            seen.add(current.name)
            body = ast.Module(body=current.body, type_ignores=[])
            for node in [*ast.walk(current.args), *ast.walk(body)]:
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Subscript):
                    return False  # a kernel launch
                if isinstance(node, ast.Name):
                    if node.id in kernels or node.id in self.tables or \
                            node.id in self.aliases and self.aliases[node.id] != "math" or node.id in self.leaves:
                        return False
                    if node.id in self.functions and node.id != current.name:
                        stack.append(self.functions[node.id])
        return True

    def _Call(self, node: ast.Call) -> None:
        if self._constant_lookup(node):
            self._kind(node)
        name = self.qualified(node.func)
        if name in T.MARKERS[self.target]:
            self.marker_seen = True
        self._precision(node, name)

    def _precision(self, node: ast.Call, name: str) -> None:
        if not self.high_precision:
            return
        texts = [dotted(a) for a in node.args] + [dotted(k.value) for k in node.keywords]
        texts += [k.value.value for k in node.keywords if isinstance(k.value, ast.Constant) and
                  isinstance(k.value.value, str)]
        texts += [k.arg + "=True" for k in node.keywords if k.arg == "allow_tf32" and
                  isinstance(k.value, ast.Constant) and k.value.value is True]
        lowered = [t for t in texts if t and (t.split(".")[-1] in T.LOW_PRECISION or t == "allow_tf32=True")]
        if lowered:
            self.flag("precision-cast", f"`{name or '<call>'}(... {lowered[0]} ...)` lowers the precision of "
                      "float32 data", node)


def _is_container(node: ast.AST) -> bool:
    if isinstance(node, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)):
        return True
    return isinstance(node, ast.Call) and dotted(node.func).split(".")[-1] in T.MUTABLE_CALLS


def _container_items(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Dict):
        return [v for v in node.keys + node.values if v is not None]
    if isinstance(node, (ast.List, ast.Set)):
        return list(node.elts)
    if isinstance(node, ast.Call):
        return list(node.args) + [k.value for k in node.keywords]
    return []  # comprehensions: their code is checked like any other


def _tests_missing(test: ast.AST, key: str, name: str) -> bool:
    """``key not in NAME`` (the memo's miss branch)."""
    return (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.NotIn) and
            ast.dump(test.left) == key and isinstance(test.comparators[0], ast.Name) and
            test.comparators[0].id == name)


# -- HIP: the candidate is C++ text ------------------------------------------------------------
HIP_INCLUDES = frozenset({
    "hip/hip_runtime.h", "hip/hip_fp16.h", "hip/hip_bf16.h", "hip/hip_vector_types.h", "hip/hip_cooperative_groups.h",
    "hip/math_functions.h", "stdint.h", "cstdint", "stddef.h", "cstddef", "math.h", "cmath", "float.h", "cfloat",
    "limits.h", "climits", "limits", "type_traits",
})
HIP_RULES: tuple[tuple[str, re.Pattern, str], ...] = (
    ("try-except", re.compile(r"\btry\s*\{"), "try/catch: no fallback around the kernel"),
    ("library-call", re.compile(r"\b(cublas|hipblas|rocblas|cudnn|miopen|hipdnn|thrust::|cub::|hipcub::|rocprim::)"),
     "library call instead of a kernel"),
    ("thread-or-stream", re.compile(r"\b(std::thread|pthread_create|std::async|hipStreamCreate\w*|"
                                    r"cudaStreamCreate\w*|hipGraph\w*|fork\s*\(|vfork\s*\()"), "no threads or streams"),
    ("timer-patch", re.compile(r"\b(hipEvent\w*|cudaEvent\w*|clock_gettime|std::chrono|gettimeofday|"
                               r"__builtin_readcyclecounter|wall_clock64|clock64|__clock|s_memtime)"),
     "the clock belongs to the harness"),
    ("module-cache", re.compile(r"^\s*static\s+(?!__device__|__global__|inline|const|constexpr)", re.MULTILINE),
     "no static state between launches"),
    ("asm", re.compile(r"\b(asm|__asm__|__asm)\b"), "no inline assembly"),
    ("escape", re.compile(r"\b(system|popen|execv\w*|execl\w*|dlopen|dlsym|fopen|freopen|open|socket|mmap|"
                          r"syscall|getenv|ptrace|unlink)\s*\(|\b(std::)?[io]?fstream\b|\bFILE\s*\*"),
     "candidates do not touch the machine (processes, files, libraries, sockets, environment)"),
    ("host-compute", re.compile(r"\b(hip|cuda)Memcpy\w*\s*\([^;]*(DeviceToHost|HostToHost|Default)|"
                                r"\b(hip|cuda)Memcpy\w*(DtoH|DeviceToHost)\w*\s*\(|\b(hip|cuda)HostMalloc\w*\s*\(|"
                                r"\bmalloc\s*\("),
     "the launcher launches kernels; it does not bring data to the host"),
)


def check_hip(source: str) -> GuardResult:
    result = GuardResult()
    problem = _source_problem(source)
    if problem:
        return result.reject("source", problem)
    code = re.sub(r"//[^\n]*|/\*.*?\*/", "", source, flags=re.DOTALL)
    if "__global__" not in code:
        result.reject("marker", "no `__global__` kernel")
    for match in re.finditer(r"^\s*#\s*include\s*([<\"])([^>\"\n]*)[>\"]?", code, flags=re.MULTILINE):
        if match.group(2).strip() not in HIP_INCLUDES:
            result.reject("import", f"`#include {match.group(2).strip()}` is outside the allowed "
                          f"{', '.join(sorted(HIP_INCLUDES))}", code.count("\n", 0, match.start()) + 1)
    for rule, pattern, message in HIP_RULES:
        match = pattern.search(code)
        if match:
            line = code.count("\n", 0, match.start()) + 1
            result.reject(rule, f"`{match.group(0).strip()}`: {message}", line)
    for match in re.finditer(r"\(\s*(half|__half|_Float16|__hip_bfloat16|__nv_bfloat16)\s*\)|__float2half\w*", code):
        result.flags.append(Finding("precision-cast", f"`{match.group(0)}` lowers precision",
                                    code.count("\n", 0, match.start()) + 1))
    return result
