"""The kernels of a program's sources, as capture needs them: parameter layouts and kernel files.

Every ``.cu``/``.cuh`` file under the source folders is read with porter's frontend (tree-sitter
signatures; typedefs, macros and ``long`` resolved by :mod:`porter.golden.types`). A kernel's
parameter layout is what the shim needs to copy its raw argument bytes (the size of each parameter,
which are pointers) and what the spec writer needs to decode them (dtype of each pointee, scalar
type). A parameter porter cannot size (a struct, a template parameter) leaves the kernel
undecodable, with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from porter.golden.dtypes import DTYPES, POINTER_ELEMENTS, SCALAR_TYPES
from porter.golden.signature import KernelSignature, Param, kernel_signatures

SOURCE_SUFFIXES = (".cu", ".cuh", ".h", ".hpp")
FLOAT_SCALARS = {"float": ("float32", 4), "double": ("float64", 8), "half": ("float16", 2),
                 "__half": ("float16", 2), "__nv_bfloat16": ("bfloat16", 2), "nv_bfloat16": ("bfloat16", 2)}
CONSTANT = re.compile(r"__constant__[^;{}=]*?\b([A-Za-z_]\w*)\s*(?:\[[^;]*\])?\s*(?:=[^;]*)?;")
INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', re.M)


@dataclass(frozen=True)
class ParamLayout:
    name: str
    ctype: str  # the element type as porter reads it ("float", "int")
    size: int  # bytes of the argument (8 for a pointer)
    pointer: bool
    const: bool
    dtype: str  # golden dtype of the pointee (pointers) or of the value (scalars)
    lanes: int = 1  # elements of ``dtype`` per pointee (float4: 4)
    is_float: bool = False  # a float scalar


@dataclass(frozen=True)
class Kernel:
    name: str
    file: Path
    line: int
    params: tuple[ParamLayout, ...] | None  # None: not decodable (``problem`` says why)
    problem: str = ""
    constants: tuple[str, ...] = ()  # __constant__ symbols the kernel may read
    unit: Path | None = None  # the file that becomes the spec's kernel file (``file``, or a .cu including it)


def scan(folders: list[Path]) -> dict[str, Kernel]:
    """Kernel name -> its layout, over every CUDA file under ``folders`` (first definition wins).

    A kernel defined in a header gets as its ``unit`` the first ``.cu`` file that includes it."""
    found: dict[str, Kernel] = {}
    files = [p for folder in folders
             for p in ([folder] if folder.is_file() else sorted(folder.rglob("*"))) if p.suffix in SOURCE_SUFFIXES]
    units: dict[Path, Path] = {}
    for path in (p for p in files if p.suffix == ".cu"):
        for header in _included(path, set()):
            units.setdefault(header, path)
    for path in files:
        data = path.read_bytes()
        declared = tuple(CONSTANT.findall(data.decode("utf-8", errors="replace")))
        ranges = kernel_ranges(data)
        for name, signatures in kernel_signatures(data).items():
            if name not in found:
                kernel = _kernel(path, signatures, used_constants(data, ranges, name, declared))
                found[name] = replace(kernel, unit=units.get(path.resolve(), path))
    return found


def _included(path: Path, seen: set[Path]) -> set[Path]:
    for header in local_includes(path):
        header = header.resolve()
        if header not in seen:
            seen.add(header)
            _included(header, seen)
    return seen


def kernel_ranges(data: bytes) -> dict[str, list[tuple[int, int]]]:
    """Kernel name -> the byte ranges of its definitions; host functions under the name ""."""
    from porter.frontends.treesitter import CudaSyntax, iter_nodes
    from porter.golden.signature import _is_global, _signature

    ranges: dict[str, list[tuple[int, int]]] = {}
    for function in iter_nodes(CudaSyntax.parse(data).root, {"function_definition"}):
        if _is_global(function):
            signature = _signature(function)
            name = signature.name if signature is not None else ""
        elif any(c.text == b"__device__" for c in function.children):
            continue
        else:
            name = ""
        ranges.setdefault(name, []).append((function.start_byte, function.end_byte))
    return ranges


def used_constants(data: bytes, ranges: dict[str, list[tuple[int, int]]], kernel: str,
                   declared: tuple[str, ...]) -> tuple[str, ...]:
    """The ``__constant__`` symbols ``kernel`` may read: named outside the other kernels and the host
    functions (in its own body, device functions, macros) more often than by their declaration."""
    others = sorted((r for name, found in ranges.items() if name != kernel for r in found), reverse=True)
    for start, end in others:
        data = data[:start] + data[end:]
    text = data.decode("utf-8", errors="replace")
    return tuple(name for name in declared if len(re.findall(rf"\b{re.escape(name)}\b", text)) > 1)


def _kernel(path: Path, signatures: list[KernelSignature], constants: tuple[str, ...]) -> Kernel:
    signature = signatures[0]
    where = (signature.name, path, signature.line)
    if len(signatures) > 1:
        return Kernel(*where, None, "overloaded: the shim names kernels by their base name", constants)
    if signature.template:
        return Kernel(*where, None, "a template kernel: capture does not decode template arguments yet", constants)
    params = _resolved(path, signature)
    layouts = []
    for param in params:
        layout = _layout(param)
        if isinstance(layout, str):
            return Kernel(*where, None, layout, constants)
        layouts.append(layout)
    return Kernel(*where, tuple(layouts), "", constants)


def _resolved(path: Path, signature: KernelSignature) -> tuple[Param, ...]:
    known = [p.element in (POINTER_ELEMENTS if p.pointer else SCALAR_TYPES) for p in signature.params]
    if all(known):
        return signature.params
    from porter.golden.types import resolve_params, with_resolved
    try:
        resolved = resolve_params(path, signature.name)
    except Exception:  # noqa: BLE001 - the frontend may reject a file it cannot build an IR of
        return signature.params
    return tuple(p if ok or i >= len(resolved) else with_resolved(p, resolved[i])
                 for i, (p, ok) in enumerate(zip(signature.params, known)))


def _layout(param: Param) -> ParamLayout | str:
    if param.pointer:
        if param.element not in POINTER_ELEMENTS:
            return f"parameter {param.name!r} points to {param.element!r}, which porter has no dtype for"
        dtype, lanes = POINTER_ELEMENTS[param.element]
        return ParamLayout(param.name, param.element, 8, True, param.const, dtype, lanes)
    if param.element in FLOAT_SCALARS:
        dtype, size = FLOAT_SCALARS[param.element]
        return ParamLayout(param.name, param.element, size, False, False, dtype, is_float=True)
    kind = SCALAR_TYPES.get(param.enum and "int" or param.element)
    if kind is None:
        return f"parameter {param.name!r} has type {param.text!r}, which porter cannot decode"
    bits = (kind.high - kind.low).bit_length()
    dtype = f"{'int' if kind.low < 0 else 'uint'}{max(bits, 8)}" if param.element != "bool" else "uint8"
    return ParamLayout(param.name, param.element, DTYPES[dtype].itemsize, False, False, dtype)


def signature_lines(kernels: dict[str, Kernel]) -> str:
    """The shim's signature file: ``KERNEL SIZE[p] ...`` for each decodable kernel."""
    lines = [" ".join([name, *(f"{p.size}{'p' if p.pointer else ''}" for p in kernel.params)])
             for name, kernel in sorted(kernels.items()) if kernel.params is not None]
    return "\n".join(lines) + "\n"


def kernel_file_text(path: Path, keep: set[str]) -> str:
    """``path``'s text with its local headers inlined (each once), keeping of its functions only the
    kernels named in ``keep`` and the device functions: host functions (``main`` too) and other
    kernels are cut out, so that a golden launcher can include it and each backend translates the
    captured kernel alone."""
    from porter.frontends.treesitter import CudaSyntax, iter_nodes
    from porter.golden.signature import _is_global, _signature

    data = inline_includes(path, set())
    cuts = []
    for function in iter_nodes(CudaSyntax.parse(data).root, {"function_definition"}):
        if function.parent is not None and function.parent.type == "field_declaration_list":
            continue  # a method: its class stays whole
        if _is_global(function):
            signature = _signature(function)
            if signature is not None and signature.name in keep:
                continue
            what = f"kernel {signature.name if signature else '?'}"
        elif any(child.type == "__device__" for child in function.children):
            continue
        else:
            what = "host function"
        node = function
        while node.parent is not None and node.parent.type in ("template_declaration", "linkage_specification"):
            node = node.parent
        cuts.append((node.start_byte, node.end_byte, what))
    for start, end, what in sorted(cuts, reverse=True):
        data = data[:start] + f"/* {what} cut by porter golden capture */".encode() + data[end:]
    return data.decode("utf-8", errors="replace")


def inline_includes(path: Path, seen: set[Path]) -> bytes:
    """``path``'s bytes with each ``#include "x"`` that names a file beside it replaced by that
    file's text (recursively; a file already inlined is left out, as include guards would)."""
    folder = path.parent

    def expand(match: re.Match) -> bytes:
        target = (folder / match.group(1).decode("utf-8", errors="replace")).resolve()
        if not target.is_file():
            return match.group(0)
        if target in seen:
            return b"/* " + match.group(1) + b" inlined above */"
        seen.add(target)
        return (b"/* begin " + match.group(1) + b" */\n" + inline_includes(target, seen) +
                b"\n/* end " + match.group(1) + b" */")

    seen.add(path.resolve())
    return INCLUDE.sub(expand, path.read_bytes())


def local_includes(path: Path) -> list[Path]:
    """The files ``#include "..."`` names that exist beside ``path`` (copied with the kernel file)."""
    found = []
    for name in INCLUDE.findall(path.read_bytes()):
        candidate = path.parent / name.decode("utf-8", errors="replace")
        if candidate.is_file():
            found.append(candidate)
    return found
