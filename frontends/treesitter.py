"""The tree-sitter-cuda frontend: tokens, spans and the syntax tree of a CUDA file.

tree-sitter needs no headers, recovers from code it cannot parse (it marks ``ERROR`` nodes and
goes on), sees every ``#if`` branch, and gives exact byte spans. Macro bodies are opaque text to
the grammar (``preproc_arg``); :meth:`CudaSyntax.macro_bodies` parses each one on its own so that
rewrites reach into macros too.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property

import tree_sitter
import tree_sitter_cuda

Node = tree_sitter.Node

#: Leaf node types that hold names a rewrite may change.
NAME_TYPES = frozenset({"identifier", "type_identifier", "namespace_identifier",
                        "field_identifier", "primitive_type"})
#: Node types whose text is never rewritten.
OPAQUE_TYPES = frozenset({"comment", "string_literal", "raw_string_literal", "char_literal",
                          "concatenated_string", "system_lib_string"})


@cache
def cuda_language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_cuda.language())


#: trees of the last few texts parsed: one file's text is parsed by several steps (porter.limits'
#: nesting check, the syntax gate, the HIP rules...); each caller gets its own copy of the tree
PARSED_KEPT = 8
_parsed: OrderedDict[bytes, tree_sitter.Tree] = OrderedDict()
_parsed_lock = threading.Lock()


def parse_bytes(data: bytes) -> tree_sitter.Tree:
    with _parsed_lock:
        tree = _parsed.get(data)
        if tree is not None:
            _parsed.move_to_end(data)
            return tree.copy()
    tree = tree_sitter.Parser(cuda_language()).parse(data)
    with _parsed_lock:
        _parsed[data] = tree
        while len(_parsed) > PARSED_KEPT:
            _parsed.popitem(last=False)
    return tree.copy()


@dataclass(frozen=True)
class Region:
    """A syntax tree over a slice of the file: the whole file, or one macro body.

    ``base`` is added to the tree's byte offsets to get offsets in the file.
    """

    root: Node
    data: bytes
    base: int = 0
    macro: str | None = None  # the macro's name when this region is a macro body
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def find(self, types: Iterable[str], within: Node | None = None) -> list[Node]:
        """Nodes of the given types inside ``within`` (inclusive; default: the whole region), in
        source pre-order. One walk indexes the region; later queries are bisections."""
        index = self._index or self._build_index()
        low, high = (within.start_byte, within.end_byte) if within is not None else (0, len(self.data) + 1)
        found: list[Node] = []
        for node_type in types:
            starts, nodes = index.get(node_type, ((), ()))
            position = bisect.bisect_left(starts, low)
            while position < len(starts) and starts[position] < high:
                node = nodes[position]
                if node.end_byte <= high:
                    found.append(node)
                position += 1
        if len(set(types)) > 1:
            found.sort(key=lambda n: (n.start_byte, -n.end_byte))
        return found

    def _build_index(self) -> dict:
        grouped: dict[str, list[Node]] = {}
        for node in iter_nodes(self.root):
            grouped.setdefault(node.type, []).append(node)
        for node_type, nodes in grouped.items():
            self._index[node_type] = ([n.start_byte for n in nodes], nodes)
        return self._index

    def text(self, node: Node) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8", errors="replace")

    def file_range(self, node: Node) -> tuple[int, int]:
        return self.base + node.start_byte, self.base + node.end_byte


@dataclass
class CudaSyntax:
    """A parsed CUDA file."""

    data: bytes
    tree: tree_sitter.Tree

    @classmethod
    def parse(cls, data: bytes) -> CudaSyntax:
        return cls(data, parse_bytes(data))

    @property
    def root(self) -> Node:
        return self.tree.root_node

    def file_region(self) -> Region:
        return self._regions[0]

    def macro_bodies(self) -> list[Region]:
        return self._regions[1:]

    def regions(self) -> list[Region]:
        """The whole file, then each macro body (indexed once, shared by every rule)."""
        return list(self._regions)

    @cached_property
    def _regions(self) -> list[Region]:
        return [Region(self.root, self.data), *self._parse_macro_bodies()]

    def _parse_macro_bodies(self) -> Iterator[Region]:
        """Each ``#define`` body, parsed on its own as a region of the file."""
        for node in iter_nodes(self.root, {"preproc_def", "preproc_function_def"}):
            body = node.child_by_field_name("value")
            name = node.child_by_field_name("name")
            if body is None:
                continue
            text = self.data[body.start_byte:body.end_byte]
            yield Region(parse_bytes(text).root_node, text, body.start_byte,
                         name.text.decode() if name is not None and name.text else None)

    def error_nodes(self) -> list[Node]:
        """The outermost ERROR/MISSING nodes: where tree-sitter could not parse the code."""
        found: list[Node] = []
        stack = [self.root]
        while stack:
            node = stack.pop()
            if node.is_error or node.is_missing:
                found.append(node)
                continue
            if node.has_error:
                stack.extend(reversed(node.children))
        return sorted(found, key=lambda n: n.start_byte)

    def error_fraction(self) -> float:
        if not self.data.strip():
            return 0.0
        covered = sum(n.end_byte - n.start_byte for n in self.error_nodes() if n.is_error)
        return covered / len(self.data)


def iter_nodes(root: Node, types: set[str] | frozenset[str] | None = None) -> Iterator[Node]:
    """Pre-order walk over ``root``'s subtree, optionally only nodes of the given types."""
    cursor = root.walk()
    while True:
        node = cursor.node
        if types is None or node.type in types:
            yield node
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return


def iter_name_leaves(root: Node) -> Iterator[Node]:
    """Every name-like leaf outside comments and literals (renaming candidates)."""
    cursor = root.walk()
    while True:
        node = cursor.node
        descend = node.type not in OPAQUE_TYPES
        if node.type in NAME_TYPES and node.child_count == 0:
            yield node
            descend = False
        if descend and cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return


def ancestors(node: Node) -> Iterator[Node]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def enclosing(node: Node, types: set[str] | frozenset[str]) -> Node | None:
    return next((a for a in ancestors(node) if a.type in types), None)


def tokens(root: Node) -> Iterator[Node]:
    """The leaves of the tree in source order (comments and literals as single tokens)."""
    cursor = root.walk()
    while True:
        node = cursor.node
        if node.child_count == 0 or node.type in OPAQUE_TYPES:
            yield node
        elif cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return
