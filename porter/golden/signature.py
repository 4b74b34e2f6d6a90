"""The signatures of the ``__global__`` kernels of a CUDA file, read with tree-sitter.

Only what a launcher needs: each parameter's name, its element type (``float``, ``__half2``,
``unsigned int``), whether it is a pointer, and whether the pointee is const.
"""

from __future__ import annotations

from dataclasses import dataclass

from porter.frontends.treesitter import CudaSyntax, Node, iter_nodes

POINTER_DECLARATORS = {"pointer_declarator", "array_declarator", "abstract_pointer_declarator",
                       "abstract_array_declarator"}
QUALIFIER_WORDS = {"__restrict__", "__restrict", "restrict", "volatile", "const"}


@dataclass(frozen=True)
class Param:
    name: str
    element: str  # the type without qualifiers: "float", "unsigned int", "__half2"
    pointer: bool
    const: bool  # const pointee (const float* p); meaningless for scalars
    text: str  # as written
    enum: str = ""  # format 2: an enum parameter (element "int"), cast to this type on launch
    written: str = ""  # the element as written, when porter's frontend resolved it (floatX, T)

    @property
    def cast_type(self) -> str:
        """The C++ type to cast an argument to when launching."""
        if not self.pointer:
            return (self.enum if "::" in self.enum else f"::{self.enum}") if self.enum else self.element
        return f"{'const ' if self.const else ''}{self.element}*"


@dataclass(frozen=True)
class KernelSignature:
    name: str
    params: tuple[Param, ...]
    line: int  # 1-based line of the kernel's name
    template: bool  # declared with template<...>


def kernel_signatures(data: bytes) -> dict[str, list[KernelSignature]]:
    """Kernel name -> its signatures (more than one when overloaded)."""
    syntax = CudaSyntax.parse(data)
    found: dict[str, list[KernelSignature]] = {}
    for function in iter_nodes(syntax.root, {"function_definition"}):
        if not _is_global(function):
            continue
        signature = _signature(function)
        if signature is not None:
            found.setdefault(signature.name, []).append(signature)
    return found


def _is_global(function: Node) -> bool:
    return any(child.type == "__global__" or _text(child) == "__global__" for child in function.children)


def _signature(function: Node) -> KernelSignature | None:
    declarator = next(iter_nodes(function, {"function_declarator"}), None)
    if declarator is None:
        return None
    name_node = declarator.child_by_field_name("declarator")
    parameters = declarator.child_by_field_name("parameters")
    if name_node is None or parameters is None:
        return None
    params = tuple(_param(p) for p in parameters.children if p.type == "parameter_declaration")
    template = function.parent is not None and function.parent.type == "template_declaration"
    return KernelSignature(_text(name_node), params, name_node.start_point[0] + 1, template)


def _param(declaration: Node) -> Param:
    type_node = declaration.child_by_field_name("type")
    const = any(c.type == "type_qualifier" and _text(c) == "const" for c in declaration.children)
    pointer = False
    node = declaration.child_by_field_name("declarator")
    name = ""
    while node is not None:
        if node.type in POINTER_DECLARATORS:
            pointer = True
        if node.type == "identifier":
            name = _text(node)
        node = node.child_by_field_name("declarator")
    element = " ".join(_text(type_node).split()) if type_node is not None else ""
    return Param(name, element, pointer, const, _text(declaration))


def _text(node: Node) -> str:
    return node.text.decode("utf-8", errors="replace") if node.text is not None else ""
