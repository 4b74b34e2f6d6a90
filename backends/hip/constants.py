"""Integer constants a rule can see through: literals, object-like macros and const variables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from porter.frontends.treesitter import Node, Region

_INT_LITERAL = re.compile(r"^(0[xX][0-9a-fA-F]+|0[bB][01]+|\d+)([uUlL]*)$")


def parse_int_literal(text: str) -> int | None:
    match = _INT_LITERAL.match(text.strip())
    if not match:
        return None
    digits = match.group(1)
    if digits[:2] in ("0x", "0X"):
        return int(digits, 16)
    if digits[:2] in ("0b", "0B"):
        return int(digits[2:], 2)
    if len(digits) > 1 and digits.startswith("0"):
        return int(digits, 8)
    return int(digits)


@dataclass
class ConstantTable:
    """Names the file binds to integer constant expressions (by text, resolved on demand)."""

    bindings: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_file(cls, region: Region) -> ConstantTable:
        table = cls()
        for node in region.find({"preproc_def"}, region.root):
            name, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if name is not None and value is not None:
                table.bindings[region.text(name)] = strip_comments(region.text(value))
        for node in region.find({"init_declarator"}, region.root):
            declaration = node.parent
            if declaration is None or not _is_const(region, declaration):
                continue
            name, value = node.child_by_field_name("declarator"), node.child_by_field_name("value")
            if name is not None and name.type == "identifier" and value is not None:
                table.bindings.setdefault(region.text(name), region.text(value).strip())
        return table

    def value(self, text: str, depth: int = 0) -> int | None:
        """The integer a piece of expression text denotes, when it is a plain constant."""
        text = text.strip()
        while text.startswith("(") and text.endswith(")"):
            text = text[1:-1].strip()
        literal = parse_int_literal(text)
        if literal is not None:
            return literal
        if depth > 8:
            return None
        if text.startswith("~"):
            inner = self.value(text[1:], depth + 1)
            return None if inner is None else (~inner) & 0xFFFFFFFFFFFFFFFF
        if text.startswith("-"):
            inner = self.value(text[1:], depth + 1)
            return None if inner is None else -inner
        cast = re.match(r"^\(\s*(unsigned|unsigned int|uint32_t|int|unsigned long long)\s*\)(.*)$", text)
        if cast:
            return self.value(cast.group(2), depth + 1)
        if text in self.bindings:
            return self.value(self.bindings[text], depth + 1)
        return None

    def is_full_mask(self, text: str) -> bool:
        """0xffffffff, ~0, -1 and names bound to them: every lane of a CUDA warp."""
        value = self.value(text)
        return value is not None and value in (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF, -1)


def strip_comments(text: str) -> str:
    """A macro body without its comments (tree-sitter keeps a trailing // comment in the body)."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//.*", "", text).strip()


def _is_const(region: Region, declaration: Node) -> bool:
    return any(c.type == "type_qualifier" and region.text(c) in ("const", "constexpr")
               for c in declaration.children)
