"""Names from the CUDA input in generated Python: the one place they are escaped or mangled.

Nothing from the input reaches an emitted Triton, Pallas or NKI module except through this module:

* **Text** (file names, kernel names in docstrings and ``# file:line`` comments) goes through
  :func:`text`: printable ASCII other than backslash and quotes is kept as is; every other
  character (newline, quote, backslash, non-printable, non-ASCII) is written as a Python escape
  (``\\n``, ``\\x22``, ``\\u00e9``). The result cannot end a comment or a string early, and inside a
  docstring it reads back as the original name. Every emitted module is then compiled before it is
  handed on (:func:`compile_error`; ``porter.backends.tile.finish_module``: P0016 otherwise). Values (dictionary keys) are ``repr`` literals.
* **Identifiers** (kernel, parameter, variable and shared-array names) are mangled:

  1. every character outside ``[A-Za-z0-9_]`` becomes ``_``, except non-ASCII characters, which
     become ``_u``, their code point in hex and ``_`` (``café`` -> ``caf_u00e9_``), so that a
     name is plain ASCII (Python would otherwise NFKC-normalize ``ﬁ`` to ``fi``);
  2. kernel names (:func:`kernel_symbols`) additionally fold runs of such characters into one
     ``_`` and lose leading and trailing ``_`` (``reduce_sum<256>`` -> ``reduce_sum_256``); an
     empty result or one starting with a digit gets a ``k`` in front;
  3. a name whose stem (the name without trailing ``_``) is a Python keyword, a name the emitted
     module defines or imports (its helpers, ``torch``, ``tl``, ``jnp``, ``nl``...; kernel
     symbols: any Python builtin; parameters and variables: the builtins the emitted functions
     call, the launchers' own parameters, the jit functions' constexprs and the other kernels'
     jit functions), and every variable name starting with ``_`` (porter's own), gets a trailing
     ``_`` (``pass`` -> ``pass_``, ``pass_`` -> ``pass__``, ``torch`` -> ``torch_``);
  4. a name still equal to one given out earlier in the same scope (``k<1>`` and ``k_1``; ``f`` and
     ``f_``; a parameter ``x`` whose ref is ``x_ref`` and a parameter ``x_ref``) gets ``_2``,
     ``_3``... in the order the names first occur, which is the order of the source.

Plain names (ASCII, not reserved, no collision) are unchanged, so ports of ordinary kernels do not
depend on this layer. A kernel's launcher stays reachable under its CUDA name: ``KERNELS`` is keyed
by the name as launches write it (a ``repr`` literal), whatever Python name it got.
"""

from __future__ import annotations

import ast
import builtins
import functools
import keyword
import re

#: Python's reserved words (soft keywords such as ``match`` or ``type`` are valid identifiers)
KEYWORDS = frozenset(keyword.kwlist)
#: every builtin: kernel names are module globals and must shadow none the module may call
BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))
_PLAIN = re.compile(r"[A-Za-z0-9_]")


def text(value: str) -> str:
    """``value`` as safe text inside a comment or a (non-raw) docstring of emitted code."""
    out = []
    for c in value:
        if " " <= c <= "~" and c not in "\\\"'":
            out.append(c)
        elif c == "\n":
            out.append("\\n")
        elif ord(c) < 0x100:
            out.append(f"\\x{ord(c):02x}")
        elif ord(c) < 0x10000:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(f"\\U{ord(c):08x}")
    return "".join(out)


def mangle(name: str) -> str:
    """``name`` with only ASCII identifier characters (rule 1)."""
    return "".join(c if _PLAIN.match(c) else f"_u{ord(c):04x}_" if ord(c) > 0x7F else "_" for c in name)


def python_name(name: str, reserved: set[str] | frozenset[str], builtins: dict[str, str] | None = None) -> str:
    """A name as an identifier in emitted code, without the collision rule: the block program's
    own names (``act``, ``ltid``) as ``builtins`` spells them, otherwise rules 1 and 3."""
    if builtins and name in builtins:
        return builtins[name]
    return _escaped(mangle(name), reserved)


def _escaped(name: str, reserved) -> str:
    if not name:
        return "_"
    if name[0].isdigit():
        name = "_" + name
    stem = name.rstrip("_")
    return name + "_" if stem in KEYWORDS or stem in reserved or name.startswith("_") else name


class Names:
    """One scope's table of names: each source name gets one Python name, distinct from every
    other given out, from ``reserved`` and from the names :meth:`claim` derived (rules 3, 4)."""

    def __init__(self, reserved, builtins: dict[str, str] | None = None):
        self.reserved = frozenset(reserved)
        self.builtins = builtins or {}
        self.given: dict[str, str] = {}
        self.taken: set[str] = set(self.builtins.values())

    def __call__(self, name: str) -> str:
        if name in self.given:
            return self.given[name]
        if name in self.builtins:
            return self.builtins[name]
        return self.claim(name)

    def claim(self, name: str, derived: tuple[str, ...] = ()) -> str:
        """The Python name of ``name``, chosen so that it and each ``derived`` form of it
        (``"{}_ref"``) are all free; all of them are taken from then on."""
        if name in self.given:
            return self.given[name]
        base = python_name(name, self.reserved)
        chosen, n = base, 1
        while chosen in self.taken or any(form.format(chosen) in self.taken for form in derived):
            n += 1
            chosen = f"{base}_{n}"
        self.given[name] = chosen
        self.taken.add(chosen)
        self.taken.update(form.format(chosen) for form in derived)
        return chosen


def kernel_symbols(kernels: list[str], reserved, forms: tuple[str, ...] = ("{}",)) -> dict[str, str]:
    """CUDA kernel name -> its Python symbol (rules 1-4), such that every ``forms`` of every symbol
    (``"{}_kernel"``: the jit function) is distinct from the others and from ``reserved``."""
    reserved = frozenset(reserved) | BUILTINS | KEYWORDS
    taken = set(reserved)
    out: dict[str, str] = {}
    for kernel in kernels:
        if kernel in out:
            continue
        base = _symbol_stem(kernel)
        if not base or base[0].isdigit():
            base = "k" + base
        base = base + "_" if base.rstrip("_") in reserved else base
        chosen, n = base, 1
        while any(form.format(chosen) in taken for form in forms):
            n += 1
            chosen = f"{base}_{n}"
        taken.update(form.format(chosen) for form in forms)
        out[kernel] = chosen
    return out


def _symbol_stem(kernel: str) -> str:
    """Rule 2 over rule 1: ``reduce_sum<256>`` -> ``reduce_sum_256``, ``café`` -> ``caf_u00e9``."""
    spelled = "".join(f"_u{ord(c):04x}_" if ord(c) > 0x7F else c for c in kernel)
    return re.sub(r"[^A-Za-z0-9_]+", "_", spelled).strip("_")


def module_names(*sources: str) -> set[str]:
    """The names the top level of these Python sources binds (imports, functions, assignments)."""
    names: set[str] = set()
    for source in sources:
        names.update(_top_level_names(source))
    return names


@functools.lru_cache(maxsize=64)
def _top_level_names(source: str) -> frozenset[str]:
    """:func:`module_names` of one source, kept: the emitters ask for the same helper texts for every file."""
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.Try)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    names.add(sub.id)
                elif isinstance(sub, ast.alias):
                    names.add((sub.asname or sub.name).split(".")[0])
    return frozenset(names)


def compile_error(code: str, filename: str) -> str | None:
    """None when ``code`` compiles as a module, else why not (``line N: message``).

    A module whose top-level pieces (:func:`_pieces`) each compile on their own compiles as a whole,
    but for a ``from __future__`` import or a module-level ``global`` after the first piece (where
    any ``global`` follows it, the whole is compiled). Every emitted module repeats the same
    helpers, so the pieces' verdicts are kept (:func:`_piece_compiles`) and only a module's own
    code is compiled again. When a piece does not compile, the whole module is, for the error
    exactly as Python words it."""
    pieces = _pieces(code)
    if not _LATE_MODULE_SCOPE.search(code, len(pieces[0])) and all(_piece_compiles(piece) for piece in pieces):
        return None
    try:
        compile(code, filename, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None)
        return f"line {line}: {error.msg}" if line else str(error)
    return None


#: a top-level ``def``, ``class`` or decorator after a blank line: where :func:`_pieces` cuts
_PIECE_START = re.compile(r"(?<=\n\n)(?=(?:def |async def |class |@))")
#: what makes a module's compiling depend on more than each piece: a future import, a global statement
_LATE_MODULE_SCOPE = re.compile(r"__future__|^[ \t]*global\b", re.MULTILINE)


def _pieces(code: str) -> list[str]:
    """``code`` cut before each top-level function, class or decorator that follows a blank line."""
    return _PIECE_START.split(code)


@functools.lru_cache(maxsize=1024)
def _piece_compiles(piece: str) -> bool:
    try:
        compile(piece, "<piece>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True
